//! # ruv: libuv's API on a Rust core
//!
//! ruv is an event loop library for C and Zig programs. Its C surface is libuv's,
//! one-to-one, under the `ruv_` prefix: a program includes `ruv.h`, allocates its
//! handles itself, starts them with callbacks and calls `ruv_run()`.
//!
//! The crate is split the way libuv and mio split theirs:
//!
//! - [`ffi`]: the C boundary only. Every exported function checks its arguments,
//!   maps the caller's struct to the loop's registry entry, calls the core and
//!   converts the result back. No event-loop logic lives there.
//! - the core, one module per concern: [`event_loop`] (the loop and its phases in
//!   libuv's order), [`registry`] (the handle registry: slab keys with
//!   generations), [`handle_state`] (what ruv keeps inside the caller's
//!   handle struct), [`timer`] (the timing wheel), [`phase`] (idle, prepare
//!   and check handles), [`stream`] (reading, writing, listening), [`tcp`],
//!   [`wakeup`] (async handles), [`poll`] (readiness of a caller's descriptor),
//!   [`clock`] and [`error`].
//!
//! The central invariant: no Rust borrow of loop state is held across a call
//! into user code, because every callback may re-enter ruv (close any handle,
//! start timers, stop the loop). Phases copy out what a callback needs, end the
//! borrow, call, and look the handle up again afterwards.
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod clock;
pub mod error;
pub mod event_loop;
pub mod ffi;
pub mod phase;
pub mod poll;
pub mod handle_state;
pub mod registry;
pub mod stream;
mod sys;
pub mod tcp;
pub mod timer;
pub mod wakeup;
