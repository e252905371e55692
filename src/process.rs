//! Child processes (`ruv_spawn`, `ruv_process_t`).
//!
//! Spawning is `clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD)` running our
//! own child code ([`clone_spawn`]): no copy of the parent's page tables
//! (fork's cost grows with the parent's memory), no stack to map and unmap
//! per spawn (glibc's `posix_spawn` does, and the unmap's TLB shootdown was
//! a fifth of the parent's cost), the pidfd comes with the child, and any
//! error of the child's before exec (exec, chdir, set*id...) comes back as
//! the call's error through a close-on-exec pipe. Each stdio slot's source
//! is first duplicated above the slots (so no `dup2` clobbers another's
//! source), then put in its place; descriptors 0-2 not asked for are
//! `/dev/null`, and everything from the first unused slot up closes at exec
//! (`close_range`), so nothing leaks into the child whatever its
//! close-on-exec flag. Signal dispositions go back to their defaults and the
//! mask is emptied, as libuv does.
//!
//! A program name without a slash is looked up in `PATH`: the child's (from
//! `env`) when `env` is given, else this process's, as libuv does.
//!
//! Exit is seen through a pidfd registered with the loop: no SIGCHLD
//! handler is taken, children that are not ruv's are never reaped, and
//! every loop owns its children. `waitid(P_PIDFD)` reaps the child and the
//! exit callback runs in the poll phase, after the poll's other events:
//! output that came with the exit is read first (libuv runs its signal
//! watcher last for the same reason).
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
use crate::sys::{close, errno, set_nonblocking};
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

/// The program to exec: `file` itself when it has a slash (the exec says
/// what is wrong with it), else the first executable `dir/file` along
/// `PATH`. RUV_ENOENT when there is none, RUV_EACCES when one exists but
/// may not be executed.
///
/// # Safety
/// As [`search_path`].
unsafe fn resolve(file: &CStr, env: *const *mut c_char) -> Result<CString> {
    if file.to_bytes().contains(&b'/') {
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

/// Whether the `PATH` search takes `path`: RUV_ENOENT (or ENOTDIR...) when
/// it is not there, RUV_EACCES when it is a directory or not executable.
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

/// What the child does, all prepared before the clone: the child shares
/// our memory and may only read this and make system calls.
struct ChildPlan<'a> {
    held: &'a Held,
    program: &'a CStr,
    argv: *const *mut c_char,
    envp: *const *mut c_char,
    cwd: Option<&'a CStr>,
    flags: u32,
    uid: libc::uid_t,
    gid: libc::gid_t,
    /// The write end of the close-on-exec pipe that reports the exec error.
    report: c_int,
}

/// The child's stack: in the parent's frame, which waits (CLONE_VFORK)
/// until the child has exec'd or exited. No mapping to make and unmap per
/// spawn (unmapping a stack another CPU ran on costs a TLB shootdown).
#[repr(C, align(16))]
struct ChildStack([u8; 32 * 1024]);

/// Runs the child; its process id and pidfd (-1 where the kernel gives
/// none), or the child's error (from setsid, dup2, chdir, set*id, exec).
///
/// `clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD)`: no copy of our page
/// tables (fork's cost grows with our memory), our thread waits until the
/// child has exec'd, and the pidfd comes with the child. The error comes
/// through a close-on-exec pipe (EOF: the exec worked), which also works
/// where the clone runs as a fork (valgrind). All signals stay blocked from
/// before the clone until the child has reset their dispositions, so no
/// handler of ours ever runs in it.
fn clone_spawn(plan: &mut ChildPlan) -> Result<(libc::pid_t, c_int)> {
    let report = report_pipe(plan.held.slots.len())?;
    plan.report = report[1];
    let mut stack = std::mem::MaybeUninit::<ChildStack>::uninit(); // the child's to write
    let mut pidfd: c_int = -1;
    // SAFETY: signal masks of this thread; the clone runs `child_main` on
    // `stack` with `plan`, both alive until it returns (CLONE_VFORK), and
    // writes the pidfd to `pidfd`.
    let cloned = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        let top = stack.as_mut_ptr().add(1).cast();
        let arg = (plan as *mut ChildPlan).cast();
        let flags = libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD;
        let mut pid = libc::clone(child_main, top, flags | libc::CLONE_PIDFD, arg, &mut pidfd);
        if pid < 0 && errno() == libc::EINVAL {
            // A kernel before 5.2: no CLONE_PIDFD.
            pidfd = -1;
            pid = libc::clone(child_main, top, flags, arg);
        }
        let cloned = if pid < 0 { Err(Error::last_os_error()) } else { Ok(pid) };
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, null_mut());
        cloned
    };
    close(report[1]);
    let pid = match cloned {
        Ok(pid) => pid,
        Err(e) => {
            close(report[0]);
            return Err(e);
        }
    };
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
        close(pidfd);
        // SAFETY: our child, which has exited (or is about to) with 127.
        unsafe { libc::waitpid(pid, null_mut(), 0) };
        return Err(Error::from_errno(child_errno));
    }
    Ok((pid, pidfd))
}

/// The pipe for the child's error, both ends close-on-exec and above the
/// `count` slots (where a parent with 0-2 closed would have them, the
/// child's `dup2`s would replace them).
fn report_pipe(count: usize) -> Result<[c_int; 2]> {
    let mut ends = [-1; 2];
    // SAFETY: room for two descriptors.
    if unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(Error::last_os_error());
    }
    let [read, write] = ends.map(|fd| {
        if fd >= count as c_int {
            return Ok(fd);
        }
        let high = dup_above(fd, count);
        close(fd);
        high
    });
    match (read, write) {
        (Ok(read), Ok(write)) => Ok([read, write]),
        (Ok(fd), Err(e)) | (Err(e), Ok(fd)) => {
            close(fd);
            Err(e)
        }
        (Err(e), Err(_)) => Err(e),
    }
}

/// The child: sets up its descriptors, session, directory, ids and signals,
/// then execs; on an error reports errno and exits 127. Runs on its own
/// stack in our memory, so it makes system calls only (no allocation, no
/// locks) and never returns. The set*id calls are raw system calls: glibc's
/// wrappers would signal our threads to change theirs too.
extern "C" fn child_main(arg: *mut libc::c_void) -> c_int {
    // SAFETY: `arg` is the parent's `ChildPlan`, alive and unchanged while
    // the parent waits; everything below is a system call on memory
    // prepared before the clone.
    unsafe {
        let plan = &*arg.cast::<ChildPlan>();
        let report = plan.report;
        let fail = || -> ! {
            let e = *libc::__errno_location();
            libc::write(report, (&raw const e).cast(), size_of::<c_int>());
            libc::_exit(127)
        };
        if plan.flags & RUV_PROCESS_DETACHED != 0 && libc::setsid() < 0 {
            fail();
        }
        for (i, slot) in plan.held.slots.iter().enumerate() {
            let i = i as c_int;
            match slot {
                Slot::Fd(fd) => {
                    if libc::dup2(*fd, i) < 0 {
                        fail();
                    }
                }
                Slot::DevNull => {
                    let mode = if i == 0 { libc::O_RDONLY } else { libc::O_RDWR };
                    let fd = libc::open(c"/dev/null".as_ptr(), mode);
                    if fd < 0 {
                        fail();
                    }
                    // It may have opened as `i` itself (then it stays).
                    if fd != i {
                        if libc::dup2(fd, i) < 0 {
                            fail();
                        }
                        libc::close(fd);
                    }
                }
                Slot::Closed => {
                    libc::close(i);
                }
            }
        }
        // Everything above the slots closes at exec (the report pipe must
        // stay open until then).
        let first = plan.held.slots.len() as c_int;
        if libc::syscall(libc::SYS_close_range, first, u32::MAX, libc::CLOSE_RANGE_CLOEXEC) != 0 {
            // Before Linux 5.11: one descriptor at a time, up to the limit.
            let mut limit: libc::rlimit = std::mem::zeroed();
            let end = if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur != libc::RLIM_INFINITY
            {
                limit.rlim_cur.min(c_int::MAX as libc::rlim_t) as c_int
            } else {
                65536
            };
            for fd in first..end {
                let flags = libc::fcntl(fd, libc::F_GETFD);
                if flags >= 0 {
                    libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
                }
            }
        }
        if let Some(cwd) = plan.cwd {
            if libc::chdir(cwd.as_ptr()) != 0 {
                fail();
            }
        }
        if plan.flags & (RUV_PROCESS_SETUID | RUV_PROCESS_SETGID) != 0
            && libc::syscall(libc::SYS_setgroups, 0, std::ptr::null::<libc::gid_t>()) != 0
            && *libc::__errno_location() != libc::EPERM
        {
            fail();
        }
        if plan.flags & RUV_PROCESS_SETGID != 0 && libc::syscall(libc::SYS_setgid, plan.gid) != 0 {
            fail();
        }
        if plan.flags & RUV_PROCESS_SETUID != 0 && libc::syscall(libc::SYS_setuid, plan.uid) != 0 {
            fail();
        }
        reset_signals();
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::sigprocmask(libc::SIG_SETMASK, &none, null_mut());
        libc::execve(plan.program.as_ptr(), plan.argv.cast(), plan.envp.cast());
        fail()
    }
}

/// In the child, signals still blocked: the classic signals back to their
/// defaults, as libuv does, and any real-time signal with a handler of ours
/// too (ignored ones stay ignored, as across libuv's fork and exec). glibc's
/// own two, below `SIGRTMIN()`, are only ever sent to our threads.
///
/// # Safety
/// Only in the child, before exec.
unsafe fn reset_signals() {
    // SAFETY: sigaction on signal numbers with stack structs.
    unsafe {
        let mut dfl: libc::sigaction = std::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        let mut old: libc::sigaction = std::mem::zeroed();
        for sig in 1..32 {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                libc::sigaction(sig, &dfl, null_mut());
            }
        }
        for sig in libc::SIGRTMIN()..=libc::SIGRTMAX() {
            if libc::sigaction(sig, null_mut(), &mut old) == 0
                && old.sa_sigaction != libc::SIG_DFL
                && old.sa_sigaction != libc::SIG_IGN
            {
                libc::sigaction(sig, &dfl, null_mut());
            }
        }
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
        let held = plan_stdio(&o.stdio)?;
        // SAFETY: `env` as the caller's contract says.
        let program = unsafe { resolve(o.file, o.env) }?;
        let fallback_argv = [o.file.as_ptr().cast_mut(), null_mut()];
        let argv = if o.args.is_null() { fallback_argv.as_ptr() } else { o.args.cast_const() };
        // SAFETY: the C library's environment array.
        let envp = if o.env.is_null() { unsafe { environ } } else { o.env.cast_const() };
        let mut plan = ChildPlan {
            held: &held,
            program: &program,
            argv,
            envp,
            cwd: o.cwd,
            flags: o.flags,
            uid: o.uid,
            gid: o.gid,
            report: -1,
        };
        let (pid, pidfd) = clone_spawn(&mut plan)?;
        match self.watch_child(h, pid, pidfd) {
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

    /// Arranges to see the child exit: its pidfd (from the clone, else
    /// opened here) registered with the loop, or where there are no pidfds
    /// (ENOSYS) the child-poll timer. The pidfd is the handle's, or closed.
    fn watch_child(&mut self, h: Handle, pid: libc::pid_t, pidfd: c_int) -> Result {
        let pidfd = if pidfd >= 0 {
            pidfd
        } else {
            // SAFETY: a pidfd for our own child (a zombie until reaped, so
            // it cannot be another process yet).
            unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) as c_int }
        };
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
            if let Some((exit_status, term_signal)) = reap_pid(public(h).pid) {
                // SAFETY: forwarded.
                unsafe { Self::child_exited(lp, h, exit_status, term_signal) };
            }
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
        let exited = if r != 0 && errno() == libc::EINVAL {
            // Linux 5.3 has pidfds but no P_PIDFD: by id, which cannot be
            // reused while the pidfd is open (the child is not reaped).
            reap_pid(p.pid)
        } else {
            // SAFETY: si_pid and si_status are filled for a child's exit.
            let (pid, status) = unsafe { (info.si_pid(), info.si_status()) };
            match info.si_code {
                _ if r != 0 || pid == 0 => None, // not exited yet (a spurious wake-up)
                libc::CLD_EXITED => Some((i64::from(status), 0)),
                _ => Some((0, status)), // CLD_KILLED, CLD_DUMPED
            }
        };
        if let Some((exit_status, term_signal)) = exited {
            // SAFETY: forwarded.
            unsafe { Self::child_exited(lp, h, exit_status, term_signal) };
        }
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
        if r != 0 && errno() == libc::ENOSYS {
            // A pidfd from clone but no pidfd_send_signal (valgrind): the
            // id is safe while the pidfd is open (the child is not reaped).
            return kill(public(h).pid, signum);
        }
        if r != 0 { Err(Error::last_os_error()) } else { Ok(()) }
    }
}

/// `waitpid` for our child, not blocking: its exit status and terminating
/// signal once it has exited (zeroes if someone else reaped it), None while
/// it runs.
fn reap_pid(pid: libc::pid_t) -> Option<(i64, c_int)> {
    let mut status: c_int = 0;
    // SAFETY: waitpid for our own child, not blocking.
    let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
    if r == 0 || (r < 0 && errno() == libc::EINTR) {
        None // still running
    } else if r < 0 {
        Some((0, 0)) // reaped by someone else: no status to give
    } else if libc::WIFSIGNALED(status) {
        Some((0, libc::WTERMSIG(status)))
    } else {
        Some((i64::from(libc::WEXITSTATUS(status)), 0))
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
