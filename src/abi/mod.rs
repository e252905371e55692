//! The bottom layer: every `#[repr(C)]` type and constant that `ruv.h` shows.
//!
//! Data only: the structs the caller allocates (with libuv's sizes and
//! public-field offsets), their private blocks, callback typedefs, error
//! codes, type enums and flags. Nothing here has behaviour; the core reads
//! and writes these types, the C boundary (`crate::ffi`) passes them through.

pub mod async_handle;
pub mod dns;
pub mod error;
pub mod event_loop;
pub mod fs;
pub mod fs_event;
pub mod fs_poll;
pub mod handle;
pub mod misc;
pub mod phase;
pub mod pipe;
pub mod poll;
pub mod process;
pub mod req;
pub mod signal;
pub mod stream;
pub mod tcp;
pub mod thread;
pub mod timer;
pub mod tty;
pub mod work;

pub use async_handle::*;
pub use dns::*;
pub use error::*;
pub use event_loop::*;
pub use fs::*;
pub use fs_event::*;
pub use fs_poll::*;
pub use handle::*;
pub use misc::*;
pub use phase::*;
pub use pipe::*;
pub use poll::*;
pub use process::*;
pub use req::*;
pub use signal::*;
pub use stream::*;
pub use tcp::*;
pub use thread::*;
pub use timer::*;
pub use tty::*;
pub use work::*;
