//! Built-in scenarios, each with a title and a one-line lesson (in the text).

pub struct Preset {
    pub name: &'static str,
    pub text: &'static str,
}

impl Preset {
    fn field(&self, key: &str) -> &'static str {
        self.text
            .lines()
            .find_map(|l| l.strip_prefix(key).map(str::trim))
            .unwrap_or("")
    }
    pub fn title(&self) -> &'static str {
        self.field("title ")
    }
    pub fn lesson(&self) -> &'static str {
        self.field("lesson ")
    }
}

/// The scenario the page opens with.
pub const DEMO_SCENARIO: &str = include_str!("../presets/demo.aorlab");

pub static PRESETS: &[Preset] = &[
    Preset {
        name: "demo",
        text: DEMO_SCENARIO,
    },
    Preset {
        name: "three-phones",
        text: include_str!("../presets/three-phones.aorlab"),
    },
    Preset {
        name: "nat-403",
        text: include_str!("../presets/nat-403.aorlab"),
    },
    Preset {
        name: "remove-existing",
        text: include_str!("../presets/remove-existing.aorlab"),
    },
    Preset {
        name: "double-max",
        text: include_str!("../presets/double-max.aorlab"),
    },
    Preset {
        name: "tcp-drop",
        text: include_str!("../presets/tcp-drop.aorlab"),
    },
    Preset {
        name: "restart",
        text: include_str!("../presets/restart.aorlab"),
    },
    Preset {
        name: "old-remove-existing",
        text: include_str!("../presets/old-remove-existing.aorlab"),
    },
    Preset {
        name: "max-contacts-zero",
        text: include_str!("../presets/max-contacts-zero.aorlab"),
    },
    Preset {
        name: "remove-unavailable",
        text: include_str!("../presets/remove-unavailable.aorlab"),
    },
    Preset {
        name: "ring-order",
        text: include_str!("../presets/ring-order.aorlab"),
    },
    Preset {
        name: "qualify-nat",
        text: include_str!("../presets/qualify-nat.aorlab"),
    },
    Preset {
        name: "keepalives",
        text: include_str!("../presets/keepalives.aorlab"),
    },
    Preset {
        name: "tcp-nat-idle",
        text: include_str!("../presets/tcp-nat-idle.aorlab"),
    },
];

pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}
