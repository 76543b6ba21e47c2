//! The native CLI's global allocator (and the registrar bench's, so the bench
//! measures what the release binary does): mimalloc.
//!
//! Why not the `mimalloc` crate's `MiMalloc`: it passes every request to
//! `mi_malloc_aligned`, even for the alignments every mimalloc block already
//! has. In mimalloc v3 that entry point takes a fast path only when the size
//! class's page has a free block ready; otherwise, for a size that is not a
//! power of two, it falls back to over-allocating by the alignment and
//! aligning by hand. Measured with callgrind on the registrar bench (3 Dec
//! 2026): half of all allocations went that way, about 100 instructions each
//! and a block of the next size class. Here a request whose alignment a plain
//! block has anyway (≤ 8: every mimalloc block is word-aligned) goes to
//! `mi_malloc`/`mi_realloc`, the rest to the aligned calls.

#![no_std]

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;
use libmimalloc_sys as ffi;

/// Every mimalloc block is aligned to a word at least.
const PLAIN_ALIGN: usize = core::mem::size_of::<usize>();

/// mimalloc as the global allocator.
pub struct Mimalloc;

fn plain(align: usize) -> bool {
    align <= PLAIN_ALIGN
}

// SAFETY: each method forwards to the mimalloc call with the same contract;
// a plain call is used only where its blocks meet the requested alignment.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if plain(layout.align()) {
            ffi::mi_malloc(layout.size()) as *mut u8
        } else {
            ffi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if plain(layout.align()) {
            ffi::mi_zalloc(layout.size()) as *mut u8
        } else {
            ffi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        ffi::mi_free(ptr as *mut c_void);
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if plain(layout.align()) {
            ffi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
        } else {
            ffi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    /// Blocks of every size up to a few KB, plain and over-aligned, come back
    /// aligned as asked, keep what was written through a realloc, and free.
    #[test]
    fn blocks_are_aligned_as_asked_and_keep_their_bytes() {
        let a = Mimalloc;
        for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
            let mut kept = Vec::new();
            for size in (1..3000).step_by(7) {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: a non-zero size; the block is freed below with its layout.
                let p = unsafe { a.alloc(layout) };
                assert!(!p.is_null());
                assert_eq!(p as usize % align, 0, "size {size} align {align}");
                // SAFETY: `p` holds `size` bytes.
                unsafe { p.write_bytes(size as u8, size) };
                kept.push((p, layout));
            }
            for (p, layout) in kept {
                let grown = layout.size() * 3 + 5;
                // SAFETY: `p` was allocated with `layout` by this allocator.
                let q = unsafe { a.realloc(p, layout, grown) };
                assert_eq!(q as usize % align, 0);
                // SAFETY: the first `layout.size()` bytes were kept by realloc.
                let first = unsafe { core::slice::from_raw_parts(q, layout.size()) };
                assert!(first.iter().all(|&b| b == layout.size() as u8));
                let grown = Layout::from_size_align(grown, align).unwrap();
                // SAFETY: `q` is live with layout `grown`.
                unsafe { a.dealloc(q, grown) };
            }
        }
    }

    #[test]
    fn zeroed_blocks_are_zero() {
        let a = Mimalloc;
        for (size, align) in [(24, 8), (100, 16), (1000, 64)] {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: a non-zero size; freed below.
            let p = unsafe { a.alloc_zeroed(layout) };
            // SAFETY: `p` holds `size` bytes.
            let bytes = unsafe { core::slice::from_raw_parts(p, size) };
            assert!(bytes.iter().all(|&b| b == 0));
            assert_eq!(p as usize % align, 0);
            // SAFETY: allocated with `layout` above.
            unsafe { a.dealloc(p, layout) };
        }
    }
}
