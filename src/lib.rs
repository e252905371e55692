//! # ruv: libuv's API on a Rust core
//!
//! ruv is an event loop library for C and Zig programs. Its C surface is
//! libuv's, one-to-one, under the `ruv_` prefix: a program includes `ruv.h`,
//! allocates its handles itself, starts them with callbacks and calls
//! `ruv_run()`.
//!
//! The crate has three layers; each uses only the layers below it (a test,
//! `tests/layers.rs`, fails if a file reaches up):
//!
//! 1. [`abi`]: every `#[repr(C)]` type and constant the header shows. Data only.
//! 2. The core, `pub(crate)`, one module per concern:
//!    - the loop: [`event_loop`] (its state and the iteration in libuv's
//!      phase order), [`registry`] (8-byte entries with generations),
//!      [`handle`] (the checked handle reference and the state kept in the
//!      caller's struct), [`internal`] (ruv's own handles), [`req`] (the
//!      request layer: in flight, completed, delivered in the pending phase);
//!    - handles: [`timer`] (the timing wheel), [`phase`] (idle, prepare,
//!      check), [`async_handle`], [`poll`], [`stream`] (reading, writing,
//!      listening on any descriptor), [`tcp`], [`pipe`], [`tty`], [`signal`],
//!      [`process`] (child processes), [`proctitle`];
//!    - the thread pool: [`threadpool`] (workers, queues, per-loop inboxes)
//!      and [`work`] (`ruv_queue_work`, `ruv_cancel`);
//!    - files: [`fs`] (every operation, both modes), [`fs_fast`] (the inline
//!      first attempt before the pool), [`fs_poll`], [`fs_event`], [`dns`];
//!    - threads and locks: [`thread`] (libuv's portable thread API on pthreads);
//!    - helpers: [`addr`] (IP text forms, socket addresses), [`clock`],
//!      [`error`] (the core's error type, names and messages), [`sys`].
//! 3. [`ffi`]: the C boundary, the only `extern "C"` functions. Each checks
//!    its arguments, converts, calls the core and converts back.
//!
//! The central invariant: no Rust borrow of loop state is held across a call
//! into user code, because every callback may re-enter ruv (close any handle,
//! start timers, stop the loop). Phases copy out what a callback needs, end
//! the borrow, call, and look the handle up again afterwards.
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

pub mod abi;

mod addr;
mod async_handle;
mod clock;
mod dns;
mod error;
mod event_loop;
mod fs;
mod fs_event;
mod fs_fast;
mod fs_poll;
mod handle;
mod internal;
mod phase;
mod pipe;
mod poll;
mod process;
mod proctitle;
mod registry;
mod req;
mod signal;
mod stream;
mod sys;
mod tcp;
mod thread;
mod threadpool;
mod timer;
mod tty;
mod work;

pub mod ffi;
