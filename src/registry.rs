//! The handle registry: every open handle of a loop has an entry, 8 bytes.
//!
//! The caller's struct keeps, in its private block, the entry's key and a
//! generation number; the entry keeps the address of the caller's struct and
//! the generation's low 16 bits. A handle is valid only when all three agree:
//! the key names an occupied entry, the generations match, and the entry
//! points back at this very struct. That is how a closed handle, a handle
//! that was never initialised, and a struct that was copied, moved or
//! restored from a stale copy are told apart from a live one.
//!
//! The same key and generation make up the handle's mio token, so an event
//! for a handle that was closed, and whose entry was reused, is recognised as
//! stale.
//!
//! An entry is one word: an occupied one holds the struct's address (even:
//! handles are 8-aligned) with the generation in the top 16 bits (user-space
//! addresses use 47); a vacant one is odd and holds the next vacant key. The
//! handle's own state lives in its struct (`handle.rs`), as libuv keeps it,
//! so a million timers cost the loop 8 MB here and nothing else.

use crate::abi::ruv_handle_t;
use crate::handle::Handle;
use std::ptr::NonNull;

/// Where the generation sits in an occupied entry.
const GENERATION_SHIFT: u32 = 48;
const ADDRESS_MASK: u64 = (1 << GENERATION_SHIFT) - 1;
/// The end of the vacant list.
const NO_KEY: u32 = u32::MAX;

/// The loop's open handles, by key.
pub(crate) struct Registry {
    entries: Vec<u64>,
    /// The first vacant key, `NO_KEY` when none.
    vacant: u32,
    len: usize,
    last_generation: u32,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

fn occupied(entry: u64) -> bool {
    entry & 1 == 0
}

/// A generation as an occupied entry holds it: its low 16 bits on top.
#[inline]
fn generation_bits(generation: u32) -> u64 {
    u64::from(generation as u16) << GENERATION_SHIFT
}

impl Registry {
    pub fn new() -> Self {
        Registry { entries: Vec::new(), vacant: NO_KEY, len: 0, last_generation: 0 }
    }

    /// Registers a handle; returns its key and generation (never 0, which
    /// marks a struct that is not registered). `None` for an address the
    /// entry cannot hold (odd, or above 2^48: no Linux user-space pointer).
    pub fn insert(&mut self, handle: NonNull<ruv_handle_t>) -> Option<(u32, u32)> {
        let address = handle.as_ptr() as usize as u64;
        if address & 1 != 0 || address & !ADDRESS_MASK != 0 {
            return None;
        }
        self.last_generation = self.last_generation.wrapping_add(1).max(1);
        let generation = self.last_generation;
        let entry = address | generation_bits(generation);
        let key = if self.vacant == NO_KEY {
            let key = u32::try_from(self.entries.len()).ok().filter(|&k| k != NO_KEY)?;
            self.entries.push(entry);
            key
        } else {
            let key = self.vacant;
            self.vacant = (self.entries[key as usize] >> 1) as u32;
            self.entries[key as usize] = entry;
            key
        };
        self.len += 1;
        Some((key, generation))
    }

    /// The handle at `key` if the entry still belongs to `generation`.
    #[inline]
    pub fn get(&self, key: u32, generation: u32) -> Option<Handle> {
        let entry = *self.entries.get(key as usize)?;
        // One test: even (occupied) and the generation's 16 bits on top.
        if entry & !ADDRESS_MASK | (entry & 1) != generation_bits(generation) {
            return None;
        }
        let ptr = NonNull::new((entry & ADDRESS_MASK) as usize as *mut ruv_handle_t)?;
        // SAFETY: an entry is occupied exactly while its handle is
        // registered: from its init function until its close callback.
        Some(unsafe { Handle::new(ptr) })
    }

    /// Whether `key` holds the handle at `handle` with `generation`: one
    /// compare of the entry with the word it would be.
    #[inline]
    pub fn holds(&self, key: u32, generation: u32, handle: *const ruv_handle_t) -> bool {
        let expected = handle as usize as u64 | generation_bits(generation);
        self.entries.get(key as usize) == Some(&expected) && handle as usize as u64 & !ADDRESS_MASK == 0
    }

    /// The handle at a key known to be occupied (taken from a registered
    /// handle's struct, or from a list of registered keys).
    #[inline]
    pub fn handle_at(&self, key: u32) -> Handle {
        let entry = self.entries[key as usize];
        debug_assert!(occupied(entry));
        let ptr = NonNull::new((entry & ADDRESS_MASK) as usize as *mut ruv_handle_t).expect("an occupied key");
        // SAFETY: as in `get`.
        unsafe { Handle::new(ptr) }
    }

    /// Unregisters the handle at `key`.
    pub fn remove(&mut self, key: u32) {
        debug_assert!(occupied(self.entries[key as usize]));
        self.entries[key as usize] = (u64::from(self.vacant) << 1) | 1;
        self.vacant = key;
        self.len -= 1;
    }

    /// Open handles, internal ones included.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `(key, generation, handle)` of every open handle, in the order the
    /// handles were initialised (generations only grow).
    pub fn snapshot(&self) -> Vec<(u32, u32, Handle)> {
        let mut all: Vec<_> = (0..self.entries.len() as u32)
            .filter(|&k| occupied(self.entries[k as usize]))
            .map(|k| {
                let h = self.handle_at(k);
                (k, h.generation(), h)
            })
            .collect();
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
    use crate::handle::Kind;

    /// Zeroed handle structs that say their own key and generation (what
    /// `snapshot` reads), leaked for the test.
    fn handle() -> NonNull<ruv_handle_t> {
        // SAFETY: all-zero is a valid handle struct.
        let h: &'static mut ruv_handle_t = Box::leak(Box::new(unsafe { std::mem::zeroed() }));
        h.internal.kind = Kind::Timer as u8;
        NonNull::from(h)
    }

    fn insert(r: &mut Registry, h: NonNull<ruv_handle_t>) -> (u32, u32) {
        let (key, generation) = r.insert(h).expect("an aligned address");
        // SAFETY: the leaked struct is ours.
        unsafe {
            (*h.as_ptr()).internal.key = key;
            (*h.as_ptr()).internal.generation = generation;
        }
        (key, generation)
    }

    #[test]
    fn entries_are_8_bytes() {
        assert_eq!(std::mem::size_of::<u64>(), 8);
        let mut r = Registry::new();
        for _ in 0..1000 {
            insert(&mut r, handle());
        }
        assert_eq!(r.entries.len(), 1000);
    }

    #[test]
    fn generations_tell_reused_keys_apart() {
        let mut r = Registry::new();
        let a = handle();
        let (k1, g1) = insert(&mut r, a);
        r.remove(k1);
        assert!(r.get(k1, g1).is_none());
        let (k2, g2) = insert(&mut r, a);
        assert_eq!(k1, k2, "the freed key is reused");
        assert_ne!(g1, g2);
        assert!(r.get(k1, g1).is_none());
        assert_eq!(r.get(k2, g2).map(|h| h.as_ptr()), Some(a.as_ptr()));
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn vacant_keys_are_reused_last_freed_first() {
        let mut r = Registry::new();
        let keys: Vec<u32> = (0..5).map(|_| insert(&mut r, handle()).0).collect();
        r.remove(keys[1]);
        r.remove(keys[3]);
        assert_eq!(insert(&mut r, handle()).0, keys[3]);
        assert_eq!(insert(&mut r, handle()).0, keys[1]);
        assert_eq!(insert(&mut r, handle()).0, 5);
        assert_eq!(r.len(), 6);
    }

    #[test]
    fn holds_is_get_for_one_struct() {
        let mut r = Registry::new();
        let (a, b) = (handle(), handle());
        let (ka, ga) = insert(&mut r, a);
        assert!(r.holds(ka, ga, a.as_ptr()));
        assert!(!r.holds(ka, ga, b.as_ptr()), "another struct");
        assert!(!r.holds(ka, ga.wrapping_add(1), a.as_ptr()), "another generation");
        assert!(!r.holds(ka + 1, ga, a.as_ptr()), "a key past the end");
        r.remove(ka);
        assert!(!r.holds(ka, ga, a.as_ptr()), "a vacant entry");
    }

    #[test]
    fn odd_addresses_are_refused() {
        let mut r = Registry::new();
        assert!(r.insert(NonNull::new(0x1001 as *mut ruv_handle_t).unwrap()).is_none());
        assert!(r.insert(NonNull::new((1usize << 50) as *mut ruv_handle_t).unwrap()).is_none());
    }

    #[test]
    fn token_round_trips() {
        assert_eq!(untoken(token(7, 0xdead_beef)), (7, 0xdead_beef));
    }

    #[test]
    fn snapshot_is_in_init_order() {
        let mut r = Registry::new();
        let (a, b, c) = (handle(), handle(), handle());
        let ka = insert(&mut r, a).0;
        insert(&mut r, b);
        r.remove(ka);
        let kc = insert(&mut r, c).0; // reuses a's key
        assert_eq!(kc, ka);
        let order: Vec<_> = r.snapshot().iter().map(|s| s.2.as_ptr()).collect();
        assert_eq!(order, vec![b.as_ptr(), c.as_ptr()]);
    }
}
