//! The handle registry: every open handle of a loop has a slot in a slab.
//!
//! The caller's struct keeps, in its private block, the slot's key and a
//! generation number; the slot keeps the address of the caller's struct. A
//! handle is valid only when all three agree: the key names a slot, the
//! generations match, and the slot points back at this very struct. That is
//! how a closed handle, a handle that was never initialised, and a struct
//! that was copied or moved are told apart from a live one.
//!
//! The same key and generation make up the handle's mio token, so an event for
//! a handle that was closed, and whose slot was reused, is recognised as stale.
//!
//! A slot is 16 bytes: the handle's own state lives in its struct
//! (`handle_state`), as libuv keeps it.

use crate::abi::ruv_handle_t;
use crate::handle::Handle;
use slab::Slab;
use std::ptr::NonNull;

/// One open handle.
pub struct Slot {
    handle: NonNull<ruv_handle_t>,
    pub generation: u32,
    /// A timer's state (`timer::IDLE`, queued, or ready to run); unused by
    /// other kinds. (The caller's struct has no room left for it.)
    pub timer: u32,
}

impl Slot {
    /// The caller's struct.
    #[inline]
    pub fn handle(&self) -> Handle {
        // SAFETY: a slot exists exactly while its handle is registered: from
        // its init function until its close callback.
        unsafe { Handle::new(self.handle) }
    }
}

/// The slab of open handles and the generation counter.
pub struct Registry {
    slots: Slab<Slot>,
    last_generation: u32,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    pub fn new() -> Self {
        Registry { slots: Slab::new(), last_generation: 0 }
    }

    /// Registers a handle; returns its key and generation (never 0, which
    /// marks a struct that is not registered).
    pub fn insert(&mut self, handle: NonNull<ruv_handle_t>) -> (u32, u32) {
        self.last_generation = self.last_generation.wrapping_add(1).max(1);
        let generation = self.last_generation;
        let key = self.slots.insert(Slot { handle, generation, timer: crate::timer::IDLE });
        (key as u32, generation)
    }

    /// The slot at `key` if it still belongs to `generation`.
    #[inline]
    pub fn get(&self, key: u32, generation: u32) -> Option<&Slot> {
        self.slots.get(key as usize).filter(|s| s.generation == generation)
    }

    /// The slot at `key` if it still belongs to `generation`.
    #[inline]
    pub fn get_mut(&mut self, key: u32, generation: u32) -> Option<&mut Slot> {
        self.slots.get_mut(key as usize).filter(|s| s.generation == generation)
    }

    /// The slot at a key known to be live (taken from a registered structure).
    #[inline]
    pub fn slot_mut(&mut self, key: u32) -> &mut Slot {
        &mut self.slots[key as usize]
    }

    /// The slot at `key`, unchecked.
    ///
    /// # Safety
    /// `key` must be occupied.
    #[inline]
    pub unsafe fn slot_unchecked(&mut self, key: u32) -> &mut Slot {
        // SAFETY: forwarded to the caller.
        unsafe { self.slots.get_unchecked_mut(key as usize) }
    }

    pub fn remove(&mut self, key: u32) -> Slot {
        self.slots.remove(key as usize)
    }

    /// Open handles, internal ones included.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// `(key, generation, handle)` of every open handle, in the order the
    /// handles were initialised (generations only grow).
    pub fn snapshot(&self) -> Vec<(u32, u32, Handle)> {
        let mut all: Vec<_> = self.slots.iter().map(|(k, s)| (k as u32, s.generation, s.handle())).collect();
        all.sort_by_key(|&(_, generation, _)| generation);
        all
    }
}

/// The mio token of a handle: generation in the high half, key in the low.
#[inline]
pub fn token(key: u32, generation: u32) -> mio::Token {
    mio::Token(((generation as usize) << 32) | key as usize)
}

/// The key and generation a token was made from.
#[inline]
pub fn untoken(token: mio::Token) -> (u32, u32) {
    (token.0 as u32, (token.0 >> 32) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(addr: usize) -> NonNull<ruv_handle_t> {
        NonNull::new(addr as *mut ruv_handle_t).unwrap()
    }

    #[test]
    fn slots_are_16_bytes() {
        assert_eq!(std::mem::size_of::<Slot>(), 16);
    }

    #[test]
    fn generations_tell_reused_slots_apart() {
        let mut r = Registry::new();
        let (k1, g1) = r.insert(at(0x1000));
        r.remove(k1);
        let (k2, g2) = r.insert(at(0x1000));
        assert_eq!(k1, k2, "slab reuses the freed key");
        assert_ne!(g1, g2);
        assert!(r.get(k1, g1).is_none());
        assert!(r.get(k2, g2).is_some());
    }

    #[test]
    fn token_round_trips() {
        assert_eq!(untoken(token(7, 0xdead_beef)), (7, 0xdead_beef));
    }

    #[test]
    fn snapshot_is_in_init_order() {
        let mut r = Registry::new();
        let a = r.insert(at(0x10));
        r.insert(at(0x20));
        r.remove(a.0);
        let c = r.insert(at(0x30)); // reuses a's key
        let order: Vec<_> = r.snapshot().iter().map(|s| s.2.as_ptr() as usize).collect();
        assert_eq!(order, vec![0x20, 0x30]);
        assert_eq!(c.0, a.0);
    }
}
