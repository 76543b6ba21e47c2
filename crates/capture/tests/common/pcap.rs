//! Hand-built pcap files and IP fragments.

/// A pcap file (Ethernet, microseconds) built packet by packet.
pub struct Pcap(pub Vec<u8>);

impl Pcap {
    pub fn new() -> Pcap {
        let mut v = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(&65535u32.to_le_bytes());
        v.extend_from_slice(&1u32.to_le_bytes());
        Pcap(v)
    }
    pub fn packet(&mut self, ms: u32, data: &[u8]) {
        self.0
            .extend_from_slice(&(1_796_000_000u32 + ms / 1000).to_le_bytes());
        self.0
            .extend_from_slice(&((ms % 1000) * 1000).to_le_bytes());
        self.0.extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.0.extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.0.extend_from_slice(data);
    }
}

/// The UDP datagram (header + payload) of `payload` from 5060 to 5080.
pub fn udp_datagram(payload: &[u8]) -> Vec<u8> {
    let mut d = Vec::new();
    d.extend_from_slice(&5060u16.to_be_bytes());
    d.extend_from_slice(&5080u16.to_be_bytes());
    d.extend_from_slice(&((payload.len() + 8) as u16).to_be_bytes());
    d.extend_from_slice(&[0, 0]); // no checksum (allowed over IPv4; not checked here)
    d.extend_from_slice(payload);
    d
}

/// `datagram` cut into IPv4 fragments of 1480 bytes, in Ethernet frames.
pub fn fragments_v4(datagram: &[u8], id: u16) -> Vec<Vec<u8>> {
    use etherparse::{EtherType, Ethernet2Header, IpFragOffset, IpNumber, Ipv4Header};
    datagram
        .chunks(1480)
        .enumerate()
        .map(|(i, chunk)| {
            let mut h = Ipv4Header::new(
                chunk.len() as u16,
                64,
                IpNumber::UDP,
                [192, 168, 1, 20],
                [198, 51, 100, 1],
            )
            .unwrap();
            h.identification = id;
            h.more_fragments = (i + 1) * 1480 < datagram.len();
            h.fragment_offset = IpFragOffset::try_new((i * 1480 / 8) as u16).unwrap();
            h.header_checksum = h.calc_header_checksum();
            let mut out = Vec::new();
            Ethernet2Header {
                source: [1; 6],
                destination: [2; 6],
                ether_type: EtherType::IPV4,
            }
            .write(&mut out)
            .unwrap();
            h.write(&mut out).unwrap();
            out.extend_from_slice(chunk);
            out
        })
        .collect()
}
