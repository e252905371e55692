//! Child processes (`ruv_spawn`, `ruv_process_t`).
//!
//! Spawning is `posix_spawn`, which glibc does with `clone(CLONE_VM |
//! CLONE_VFORK)`: no copy of the parent's page tables (fork's cost grows
//! with the parent's memory), and an exec failure comes back as the call's
//! error. The child's descriptors are set up by file actions: each stdio
//! slot's source is first duplicated above the slots (so no `dup2` clobbers
//! another's source), then put in its place; descriptors 0-2 not asked for
//! are `/dev/null`, and everything from the first unused slot up is closed
//! (`closefrom`), so nothing leaks into the child whatever its close-on-exec
//! flag. Signal dispositions go back to their defaults and the mask is
//! emptied, as libuv does. Only `RUV_PROCESS_SETUID`/`SETGID`, which
//! `posix_spawn` cannot express, take a `fork`, with the exec error sent
//! back through a close-on-exec pipe.
//!
//! A program name without a slash is looked up in `PATH`: the child's (from
//! `env`) when `env` is given, else this process's, as libuv does.
//!
//! Exit is seen through a pidfd registered with the loop: no SIGCHLD
//! handler is taken, children that are not ruv's are never reaped, and
//! every loop owns its children. `waitid(P_PIDFD)` reaps the child and the
//! exit callback runs in the poll phase. Output the child wrote is read
//! before its exit when both are there at one poll: the pipe became ready
//! first (the child's descriptors close before it becomes a zombie), and
//! epoll reports in that order. (libuv runs its signal watcher last for it.)
//!
//! With `RUV_PROCESS_EXIT_AFTER_OUTPUT` (a ruv extension) the exit callback
//! waits for the child's output pipes to end: an [`OutputWait`] holds the
//! pipes not yet at EOF and closed, and the exit status once it has come;
//! the stream code reports each pipe's end ([`LoopInner::output_ended`]).

use crate::abi::*;
use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::handle::{Handle, Kind};
use crate::internal::Purpose;
use crate::registry::token;
use crate::stream::set_access;
use crate::sys::{errno, set_nonblocking};
use mio::Interest;
use mio::unix::SourceFd;
use std::ffi::{CStr, CString, c_char, c_int};
use std::ptr::{NonNull, null_mut};

/// How often children no pidfd watches are looked at (`Purpose::ChildPoll`).
const CHILD_POLL_MS: u64 = 10;

const KNOWN_FLAGS: u32 = RUV_PROCESS_SETUID
    | RUV_PROCESS_SETGID
    | RUV_PROCESS_WINDOWS_VERBATIM_ARGUMENTS
    | RUV_PROCESS_DETACHED
    | RUV_PROCESS_WINDOWS_HIDE
    | RUV_PROCESS_WINDOWS_HIDE_CONSOLE
    | RUV_PROCESS_WINDOWS_HIDE_GUI
    | RUV_PROCESS_WINDOWS_FILE_PATH_EXACT_NAME
    | RUV_PROCESS_EXIT_AFTER_OUTPUT;

unsafe extern "C" {
    static environ: *const *mut c_char;
}

fn public<'a>(h: Handle) -> &'a mut ruv_process_t {
    // SAFETY: a process handle's struct is a `ruv_process_t`, the caller's
    // until its close callback; touched on the loop thread only.
    unsafe { &mut *h.cast::<ruv_process_t>() }
}

fn close(fd: c_int) {
    if fd >= 0 {
        // SAFETY: a descriptor of ours nothing else uses.
        unsafe { libc::close(fd) };
    }
}

/// One child descriptor: what goes there.
enum Slot {
    /// Our duplicate (close-on-exec, above the slots) to `dup2` there.
    Fd(c_int),
    /// `/dev/null` (descriptors 0-2 not asked for).
    DevNull,
    /// Nothing: closed in the child.
    Closed,
}

/// A child spawned with `RUV_PROCESS_EXIT_AFTER_OUTPUT` whose exit callback
/// waits: the output pipes not yet ended, and the exit once it has come.
/// Handles by `(key, generation)`.
pub(crate) struct OutputWait {
    process: (u32, u32),
    pipes: Vec<(u32, u32)>,
    exit: Option<(i64, c_int)>,
}

/// A stdio pipe's parent end, for its pipe handle once the child runs.
struct ParentEnd {
    pipe: Handle,
    fd: c_int,
    access: c_int,
}

/// What a spawn holds until it is done: closed on every path.
#[derive(Default)]
struct Held {
    slots: Vec<Slot>,
    parents: Vec<ParentEnd>,
}

impl Drop for Held {
    fn drop(&mut self) {
        for slot in &self.slots {
            if let Slot::Fd(fd) = slot {
                close(*fd);
            }
        }
        for end in &self.parents {
            close(end.fd);
        }
    }
}

/// A descriptor duplicated above the `count` slots, close-on-exec.
fn dup_above(fd: c_int, count: usize) -> Result<c_int> {
    // SAFETY: F_DUPFD_CLOEXEC makes a new descriptor or fails.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, count as c_int) };
    if new < 0 { Err(Error::last_os_error()) } else { Ok(new) }
}

/// A child descriptor as asked for, checked by the C boundary.
pub(crate) enum Stdio {
    /// `RUV_IGNORE`: `/dev/null` for 0-2, closed above.
    Ignore,
    /// `RUV_INHERIT_FD`.
    Fd(c_int),
    /// `RUV_INHERIT_STREAM`: a live stream handle.
    Stream(Handle),
    /// `RUV_CREATE_PIPE`: a pipe handle of this loop, and the container's
    /// flags (`RUV_READABLE_PIPE`... from the child's side).
    Pipe(Handle, c_int),
}

/// `ruv_spawn`'s options, checked and converted by the C boundary.
pub(crate) struct Spawn<'a> {
    pub exit_cb: ruv_exit_cb,
    pub file: &'a CStr,
    /// NULL, or the caller's NULL-terminated argument array.
    pub args: *mut *mut c_char,
    /// NULL, or the caller's NULL-terminated environment.
    pub env: *mut *mut c_char,
    pub cwd: Option<&'a CStr>,
    pub flags: u32,
    pub stdio: Vec<Stdio>,
    pub uid: libc::uid_t,
    pub gid: libc::gid_t,
}

/// The slots the options ask for (at least 0-2), with pipes made for
/// `RUV_CREATE_PIPE`.
fn plan_stdio(stdio: &[Stdio]) -> Result<Held> {
    let count = stdio.len().max(3);
    let mut held = Held::default();
    for i in 0..count {
        let slot = match stdio.get(i).unwrap_or(&Stdio::Ignore) {
            Stdio::Pipe(pipe, flags) => {
                if pipe.stream().fd >= 0 || pipe.is_closing() {
                    return Err(Error::INVAL); // a pipe with a descriptor already
                }
                let [parent, child] = crate::pipe::socket_pair(libc::SOCK_STREAM, 0, [0, 0])?;
                // From the child's side: it reads a READABLE pipe, so the
                // parent writes it.
                let access = match (flags & RUV_READABLE_PIPE != 0, flags & RUV_WRITABLE_PIPE != 0) {
                    (true, true) => libc::O_RDWR,
                    (true, false) => libc::O_WRONLY,
                    _ => libc::O_RDONLY,
                };
                held.parents.push(ParentEnd { pipe: *pipe, fd: parent, access });
                let high = if flags & RUV_NONBLOCK_PIPE != 0 {
                    set_nonblocking(child, true).and_then(|()| dup_above(child, count))
                } else {
                    dup_above(child, count)
                };
                close(child);
                Slot::Fd(high?)
            }
            Stdio::Fd(fd) if *fd < 0 => return Err(Error::INVAL),
            Stdio::Fd(fd) => Slot::Fd(dup_above(*fd, count)?),
            Stdio::Stream(stream) => Slot::Fd(dup_above(LoopInner::fileno(*stream)?, count)?),
            Stdio::Ignore if i <= 2 => Slot::DevNull,
            Stdio::Ignore => Slot::Closed,
        };
        held.slots.push(slot);
    }
    Ok(held)
}

/// `PATH` as the child sees it: from `env` when given, else ours.
///
/// # Safety
/// `env` is NULL or a NULL-terminated array of C strings.
unsafe fn search_path(env: *const *mut c_char) -> Vec<u8> {
    if env.is_null() {
        return std::env::var_os("PATH").map(|p| p.into_encoded_bytes()).unwrap_or_else(|| b"/usr/bin:/bin".to_vec());
    }
    let mut i = 0;
    loop {
        // SAFETY: the caller's contract.
        let entry = unsafe { *env.add(i) };
        if entry.is_null() {
            return b"/usr/bin:/bin".to_vec(); // glibc's default for execvpe
        }
        // SAFETY: a C string.
        let bytes = unsafe { CStr::from_ptr(entry) }.to_bytes();
        if let Some(path) = bytes.strip_prefix(b"PATH=") {
            return path.to_vec();
        }
        i += 1;
    }
}

/// The program to exec: `file` itself when it has a slash, else the first
/// executable `dir/file` along `PATH`. RUV_ENOENT when there is none,
/// RUV_EACCES when one exists but may not be executed.
///
/// # Safety
/// As [`search_path`].
unsafe fn resolve(file: &CStr, env: *const *mut c_char) -> Result<CString> {
    if file.to_bytes().contains(&b'/') {
        executable(file)?;
        return Ok(file.to_owned());
    }
    if file.to_bytes().is_empty() {
        return Err(Error::from_errno(libc::ENOENT));
    }
    // SAFETY: forwarded.
    let path = unsafe { search_path(env) };
    let mut denied = false;
    for dir in path.split(|b| *b == b':') {
        let dir: &[u8] = if dir.is_empty() { b"." } else { dir };
        let mut candidate = dir.to_vec();
        candidate.push(b'/');
        candidate.extend_from_slice(file.to_bytes());
        let Ok(candidate) = CString::new(candidate) else { continue };
        match executable(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.code() == RUV_EACCES => denied = true,
            Err(_) => {}
        }
    }
    Err(Error::from_errno(if denied { libc::EACCES } else { libc::ENOENT }))
}

/// What exec would say first about `path`: RUV_ENOENT (or ENOTDIR...) when
/// it is not there, RUV_EACCES when it is a directory or not executable.
/// Checked before the spawn, so these errors come back from `ruv_spawn`
/// even where the spawn cannot report the exec's (valgrind runs a vfork as
/// a fork).
fn executable(path: &CStr) -> Result {
    // SAFETY: zeroes are a valid stat; a NUL-terminated path.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::stat(path.as_ptr(), &mut st) } != 0 {
        return Err(Error::last_os_error());
    }
    // SAFETY: as above.
    if st.st_mode & libc::S_IFMT == libc::S_IFDIR || unsafe { libc::access(path.as_ptr(), libc::X_OK) } != 0 {
        return Err(Error::from_errno(libc::EACCES));
    }
    Ok(())
}

/// What chdir would say about the child's `cwd` (checked before the spawn,
/// as [`executable`]).
fn usable_dir(dir: &CStr) -> Result {
    // SAFETY: zeroes are a valid stat; a NUL-terminated path.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::stat(dir.as_ptr(), &mut st) } != 0 {
        return Err(Error::last_os_error());
    }
    if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
        return Err(Error::from_errno(libc::ENOTDIR));
    }
    // SAFETY: as above.
    if unsafe { libc::access(dir.as_ptr(), libc::X_OK) } != 0 {
        return Err(Error::last_os_error());
    }
    Ok(())
}

/// Runs the child with `posix_spawn`; its process id.
fn posix_spawn(
    held: &Held,
    program: &CStr,
    argv: *const *mut c_char,
    envp: *const *mut c_char,
    cwd: Option<&CStr>,
    detached: bool,
) -> Result<libc::pid_t> {
    // SAFETY: zeroed objects initialised by their init functions below,
    // used only between init and destroy; every pointer passed is a
    // NUL-terminated string or array that lives through the call.
    unsafe {
        let mut actions: libc::posix_spawn_file_actions_t = std::mem::zeroed();
        let mut attr: libc::posix_spawnattr_t = std::mem::zeroed();
        libc::posix_spawn_file_actions_init(&mut actions);
        libc::posix_spawnattr_init(&mut attr);
        let mut r = 0;
        for (i, slot) in held.slots.iter().enumerate() {
            let i = i as c_int;
            r = match slot {
                Slot::Fd(fd) => libc::posix_spawn_file_actions_adddup2(&mut actions, *fd, i),
                Slot::DevNull => {
                    let mode = if i == 0 { libc::O_RDONLY } else { libc::O_RDWR };
                    libc::posix_spawn_file_actions_addopen(&mut actions, i, c"/dev/null".as_ptr(), mode, 0)
                }
                Slot::Closed => libc::posix_spawn_file_actions_addclose(&mut actions, i),
            };
            if r != 0 {
                break;
            }
        }
        if r == 0 {
            if let Some(cwd) = cwd {
                r = libc::posix_spawn_file_actions_addchdir_np(&mut actions, cwd.as_ptr());
            }
        }
        if r == 0 {
            r = libc::posix_spawn_file_actions_addclosefrom_np(&mut actions, held.slots.len() as c_int);
        }
        let mut flags = (libc::POSIX_SPAWN_SETSIGDEF | libc::POSIX_SPAWN_SETSIGMASK) as libc::c_short;
        if detached {
            flags |= libc::POSIX_SPAWN_SETSID;
        }
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::sigemptyset(&mut none);
        libc::posix_spawnattr_setflags(&mut attr, flags);
        libc::posix_spawnattr_setsigdefault(&mut attr, &all);
        libc::posix_spawnattr_setsigmask(&mut attr, &none);
        let mut pid: libc::pid_t = 0;
        if r == 0 {
            r = libc::posix_spawn(&mut pid, program.as_ptr(), &actions, &attr, argv, envp);
        }
        libc::posix_spawn_file_actions_destroy(&mut actions);
        libc::posix_spawnattr_destroy(&mut attr);
        if r != 0 { Err(Error::from_errno(r)) } else { Ok(pid) }
    }
}

/// What the forked child does (`RUV_PROCESS_SETUID`/`SETGID`): only
/// async-signal-safe calls, everything prepared before the fork.
struct ForkPlan<'a> {
    held: &'a Held,
    program: &'a CStr,
    argv: *const *mut c_char,
    envp: *const *mut c_char,
    cwd: Option<&'a CStr>,
    flags: u32,
    uid: libc::uid_t,
    gid: libc::gid_t,
}

/// Runs the child with `fork`; its process id, or the child's exec error.
fn fork_spawn(plan: &ForkPlan) -> Result<libc::pid_t> {
    let mut report = [-1; 2];
    // SAFETY: room for two descriptors.
    if unsafe { libc::pipe2(report.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(Error::last_os_error());
    }
    // SAFETY: the child below makes only async-signal-safe calls.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: the child: raw system calls on memory prepared before the
        // fork, then exec or _exit.
        unsafe { fork_child(plan, report[1]) };
    }
    close(report[1]);
    if pid < 0 {
        let e = Error::last_os_error();
        close(report[0]);
        return Err(e);
    }
    let mut child_errno: c_int = 0;
    // EOF (0 bytes) means the exec worked.
    let n = loop {
        // SAFETY: reading an int from our pipe.
        let n = unsafe { libc::read(report[0], (&raw mut child_errno).cast(), size_of::<c_int>()) };
        if n >= 0 || errno() != libc::EINTR {
            break n;
        }
    };
    close(report[0]);
    if n == size_of::<c_int>() as isize {
        // SAFETY: our child, which has exited (or is about to) with 127.
        unsafe { libc::waitpid(pid, null_mut(), 0) };
        return Err(Error::from_errno(child_errno));
    }
    Ok(pid)
}

/// # Safety
/// Called in the child right after `fork`; never returns.
unsafe fn fork_child(plan: &ForkPlan, report: c_int) -> ! {
    // SAFETY: async-signal-safe calls only (see `fork_spawn`).
    unsafe {
        let fail = |report: c_int| -> ! {
            let e = *libc::__errno_location();
            libc::write(report, (&raw const e).cast(), size_of::<c_int>());
            libc::_exit(127)
        };
        if plan.flags & RUV_PROCESS_DETACHED != 0 && libc::setsid() < 0 {
            fail(report);
        }
        for (i, slot) in plan.held.slots.iter().enumerate() {
            let i = i as c_int;
            match slot {
                Slot::Fd(fd) => {
                    if libc::dup2(*fd, i) < 0 {
                        fail(report);
                    }
                }
                Slot::DevNull => {
                    let mode = if i == 0 { libc::O_RDONLY } else { libc::O_RDWR };
                    let fd = libc::open(c"/dev/null".as_ptr(), mode);
                    if fd < 0 || libc::dup2(fd, i) < 0 {
                        fail(report);
                    }
                    libc::close(fd);
                }
                Slot::Closed => {
                    libc::close(i);
                }
            }
        }
        // Everything above the slots closes at exec (the report pipe must
        // stay open until then).
        libc::syscall(libc::SYS_close_range, plan.held.slots.len() as u32, u32::MAX, libc::CLOSE_RANGE_CLOEXEC);
        if let Some(cwd) = plan.cwd {
            if libc::chdir(cwd.as_ptr()) != 0 {
                fail(report);
            }
        }
        if plan.flags & (RUV_PROCESS_SETUID | RUV_PROCESS_SETGID) != 0
            && libc::setgroups(0, std::ptr::null()) != 0
            && *libc::__errno_location() != libc::EPERM
        {
            fail(report);
        }
        if plan.flags & RUV_PROCESS_SETGID != 0 && libc::setgid(plan.gid) != 0 {
            fail(report);
        }
        if plan.flags & RUV_PROCESS_SETUID != 0 && libc::setuid(plan.uid) != 0 {
            fail(report);
        }
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        for sig in 1..32 {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
        libc::sigprocmask(libc::SIG_SETMASK, &none, null_mut());
        libc::execve(plan.program.as_ptr(), plan.argv.cast(), plan.envp.cast());
        fail(report)
    }
}

impl LoopInner {
    /// `ruv_spawn`. The handle is initialised first, so after an error it is
    /// an inactive process handle to close, as in libuv.
    ///
    /// # Safety
    /// `h` points at a process handle struct that the caller hands to ruv
    /// until its close callback; `o.args` and `o.env` are NULL or
    /// NULL-terminated arrays of C strings.
    pub(crate) unsafe fn spawn(&mut self, h: NonNull<ruv_handle_t>, o: &Spawn) -> Result {
        // SAFETY: forwarded.
        let h = unsafe { self.register(h, RUV_PROCESS, Kind::Process) }?;
        let p = public(h);
        p.exit_cb = o.exit_cb;
        p.pid = 0;
        p.pidfd = -1;
        if o.flags & !KNOWN_FLAGS != 0 {
            return Err(Error::INVAL);
        }
        if let Some(cwd) = o.cwd {
            usable_dir(cwd)?;
        }
        let held = plan_stdio(&o.stdio)?;
        // SAFETY: `env` as the caller's contract says.
        let program = unsafe { resolve(o.file, o.env) }?;
        let fallback_argv = [o.file.as_ptr().cast_mut(), null_mut()];
        let argv = if o.args.is_null() { fallback_argv.as_ptr() } else { o.args.cast_const() };
        // SAFETY: the C library's environment array.
        let envp = if o.env.is_null() { unsafe { environ } } else { o.env.cast_const() };
        let pid = if o.flags & (RUV_PROCESS_SETUID | RUV_PROCESS_SETGID) != 0 {
            let plan = ForkPlan {
                held: &held,
                program: &program,
                argv,
                envp,
                cwd: o.cwd,
                flags: o.flags,
                uid: o.uid,
                gid: o.gid,
            };
            fork_spawn(&plan)?
        } else {
            posix_spawn(&held, &program, argv, envp, o.cwd, o.flags & RUV_PROCESS_DETACHED != 0)?
        };
        match self.watch_child(h, pid) {
            Ok(()) => {
                public(h).pid = pid;
                self.activate(h);
                let outputs = self.open_parent_ends(held);
                if o.flags & RUV_PROCESS_EXIT_AFTER_OUTPUT != 0 && !outputs.is_empty() {
                    let process = (h.key(), h.generation());
                    self.output_waits.push(OutputWait { process, pipes: outputs, exit: None });
                }
                Ok(())
            }
            Err(e) => {
                // Without a way to see it exit, the child may not run on.
                // SAFETY: our own child, reaped here.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                    libc::waitpid(pid, null_mut(), 0);
                }
                Err(e)
            }
        }
    }

    /// Arranges to see the child exit: its pidfd registered with the loop,
    /// or where there are no pidfds (ENOSYS) the child-poll timer.
    fn watch_child(&mut self, h: Handle, pid: libc::pid_t) -> Result {
        // SAFETY: a pidfd for our own child (a zombie until reaped, so it
        // cannot be another process yet).
        let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as c_int;
        if pidfd < 0 && errno() == libc::ENOSYS {
            let timer = self.internal_timer(Purpose::ChildPoll)?;
            if !timer.is_active() {
                self.timer_start(timer, None, CHILD_POLL_MS, CHILD_POLL_MS)?;
            }
            self.polled_children.push((h.key(), h.generation()));
            return Ok(());
        }
        if pidfd < 0 {
            return Err(Error::last_os_error());
        }
        let registered =
            self.poll.registry().register(&mut SourceFd(&pidfd), token(h.key(), h.generation()), Interest::READABLE);
        if let Err(e) = registered {
            close(pidfd);
            return Err(e.into());
        }
        self.watched += 1;
        public(h).pidfd = pidfd;
        Ok(())
    }

    /// The stdio pipes' parent ends go to their pipe handles. Returns the
    /// pipes the child writes (the parent reads them).
    fn open_parent_ends(&mut self, mut held: Held) -> Vec<(u32, u32)> {
        let mut outputs = Vec::new();
        for end in std::mem::take(&mut held.parents) {
            let opened = set_nonblocking(end.fd, true).and_then(|()| self.stream_open(end.pipe, end.fd, false));
            if opened.is_ok() {
                set_access(end.pipe, end.access);
                if end.access != libc::O_WRONLY {
                    outputs.push((end.pipe.key(), end.pipe.generation()));
                }
            } else {
                close(end.fd);
            }
        }
        outputs
    }

    /// The child-poll timer: `waitpid` for each child no pidfd watches; the
    /// exit callback of each that has exited.
    ///
    /// # Safety
    /// As [`LoopInner::dispatch_process`].
    pub(crate) unsafe fn poll_children(lp: *mut LoopInner) {
        // SAFETY: a short borrow.
        let children = unsafe { (*lp).polled_children.clone() };
        for (key, generation) in children {
            // SAFETY: a short borrow; the handle may be gone (a callback).
            let Some(h) = (unsafe { (*lp).handles.get(key, generation) }) else { continue };
            let mut status: c_int = 0;
            // SAFETY: waitpid for our own child, not blocking.
            let r = unsafe { libc::waitpid(public(h).pid, &mut status, libc::WNOHANG) };
            if r == 0 || (r < 0 && errno() == libc::EINTR) {
                continue; // still running
            }
            let (exit_status, term_signal) = if r < 0 {
                (0, 0) // reaped by someone else: no status to give
            } else if libc::WIFSIGNALED(status) {
                (0, libc::WTERMSIG(status))
            } else {
                (i64::from(libc::WEXITSTATUS(status)), 0)
            };
            // SAFETY: forwarded.
            unsafe { Self::child_exited(lp, h, exit_status, term_signal) };
        }
    }

    /// The child's pidfd is readable: it has exited. Reaped here; the exit
    /// callback runs with its status or terminating signal.
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller (the callback
    /// re-enters).
    pub(crate) unsafe fn dispatch_process(lp: *mut LoopInner, h: Handle) {
        let p = public(h);
        if p.pidfd < 0 {
            return;
        }
        // SAFETY: zeroes are a valid siginfo.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid on our pidfd, not blocking.
        let r = unsafe { libc::waitid(libc::P_PIDFD, p.pidfd as libc::id_t, &mut info, libc::WEXITED | libc::WNOHANG) };
        // SAFETY: si_pid and si_status are filled for a child's exit.
        let (pid, status) = unsafe { (info.si_pid(), info.si_status()) };
        if r != 0 || pid == 0 {
            return; // not exited yet (a spurious wake-up)
        }
        let (exit_status, term_signal) = match info.si_code {
            libc::CLD_EXITED => (i64::from(status), 0),
            _ => (0, status), // CLD_KILLED, CLD_DUMPED
        };
        // SAFETY: forwarded.
        unsafe { Self::child_exited(lp, h, exit_status, term_signal) };
    }

    /// The child has exited and is reaped (by either watcher): the handle
    /// stops watching it, then its exit callback runs, unless it waits for
    /// output pipes (the handle stays active until they end).
    ///
    /// # Safety
    /// As [`LoopInner::dispatch_process`].
    unsafe fn child_exited(lp: *mut LoopInner, h: Handle, exit_status: i64, term_signal: c_int) {
        {
            // SAFETY: no user code runs while this borrow lives.
            let this = unsafe { &mut *lp };
            this.unwatch(h);
            let id = (h.key(), h.generation());
            if let Some(i) = this.output_waits.iter().position(|w| w.process == id) {
                if !this.output_waits[i].pipes.is_empty() {
                    this.output_waits[i].exit = Some((exit_status, term_signal));
                    return;
                }
                this.output_waits.swap_remove(i);
            }
            this.deactivate(h);
        }
        // SAFETY: forwarded.
        unsafe { Self::run_exit_cb(h, exit_status, term_signal) };
    }

    /// # Safety
    /// `h` is a live process handle; the loop is not borrowed.
    unsafe fn run_exit_cb(h: Handle, exit_status: i64, term_signal: c_int) {
        if let Some(cb) = public(h).exit_cb {
            // SAFETY: the caller's callback with its own handle.
            unsafe { cb(h.cast(), exit_status, term_signal) };
        }
    }

    /// A pipe has ended for `RUV_PROCESS_EXIT_AFTER_OUTPUT`: it delivered
    /// EOF or an error, or finished closing. If its child has exited and
    /// this was the last pipe it waited for, the exit callback runs now.
    ///
    /// # Safety
    /// As [`LoopInner::dispatch_process`].
    pub(crate) unsafe fn output_ended(lp: *mut LoopInner, pipe: (u32, u32)) {
        let (h, exit_status, term_signal) = {
            // SAFETY: no user code runs while this borrow lives.
            let this = unsafe { &mut *lp };
            // A pipe is stdio of one child at most (it must have had no
            // descriptor), so it is in one wait at most.
            let Some(i) = this.output_waits.iter().position(|w| w.pipes.contains(&pipe)) else { return };
            let wait = &mut this.output_waits[i];
            wait.pipes.retain(|p| *p != pipe);
            let Some((exit_status, term_signal)) = wait.exit.filter(|_| wait.pipes.is_empty()) else { return };
            let (key, generation) = this.output_waits.swap_remove(i).process;
            // A closed process handle has no wait left.
            let Some(h) = this.handles.get(key, generation) else { return };
            this.deactivate(h);
            (h, exit_status, term_signal)
        };
        // SAFETY: forwarded.
        unsafe { Self::run_exit_cb(h, exit_status, term_signal) };
    }

    /// `ruv_close` on a process handle: it stops watching the child, and
    /// no exit callback comes any more (one waiting for output is dropped).
    pub(crate) fn process_close(&mut self, h: Handle) {
        self.unwatch(h);
        let id = (h.key(), h.generation());
        self.output_waits.retain(|w| w.process != id);
        self.deactivate(h);
    }

    /// Stops watching the child (it exited, or the handle closes): the
    /// pidfd goes.
    fn unwatch(&mut self, h: Handle) {
        let id = (h.key(), h.generation());
        if let Some(i) = self.polled_children.iter().position(|c| *c == id) {
            self.polled_children.swap_remove(i);
            if self.polled_children.is_empty() {
                self.remove_internal_timer(Purpose::ChildPoll);
            }
        }
        let p = public(h);
        if p.pidfd >= 0 {
            let _ = self.poll.registry().deregister(&mut SourceFd(&p.pidfd));
            self.watched -= 1;
            close(p.pidfd);
            p.pidfd = -1;
        }
    }

    /// `ruv_process_kill`: through the pidfd, so a reused process id is
    /// never hit. RUV_ESRCH once the child has exited.
    pub(crate) fn process_kill(&self, h: Handle, signum: c_int) -> Result {
        let fd = public(h).pidfd;
        if fd < 0 {
            // Without a pidfd: the id, while the child is not reaped (so
            // it cannot have been reused).
            if self.polled_children.contains(&(h.key(), h.generation())) {
                return kill(public(h).pid, signum);
            }
            return Err(Error::from_errno(libc::ESRCH));
        }
        // SAFETY: pidfd_send_signal on our pidfd.
        let r = unsafe { libc::syscall(libc::SYS_pidfd_send_signal, fd, signum, null_mut::<libc::siginfo_t>(), 0) };
        if r != 0 { Err(Error::last_os_error()) } else { Ok(()) }
    }
}

/// `ruv_kill`.
pub(crate) fn kill(pid: c_int, signum: c_int) -> Result {
    // SAFETY: kill(2) with the caller's arguments.
    if unsafe { libc::kill(pid, signum) } != 0 { Err(Error::last_os_error()) } else { Ok(()) }
}

/// `ruv_disable_stdio_inheritance`: this process's inherited descriptors
/// close at exec (0 and up, until one past 15 is not open), as libuv does.
pub(crate) fn disable_stdio_inheritance() {
    let mut fd = 0;
    loop {
        // SAFETY: F_GETFD/F_SETFD on descriptor numbers; a closed one fails.
        let set = unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            flags >= 0 && libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC) == 0
        };
        if !set && fd > 15 {
            return;
        }
        fd += 1;
    }
}

/// `ruv_exepath`: this program's path, as `/proc/self/exe` names it.
pub(crate) fn exepath() -> Result<Vec<u8>> {
    std::fs::read_link("/proc/self/exe").map(|p| p.into_os_string().into_encoded_bytes()).map_err(Error::from)
}
