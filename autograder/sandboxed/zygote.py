"""The sandboxed zygote: imports numpy (and torch) once, then forks one worker per check.

Importing torch costs a second of CPU; a grading run makes a hundred worker runs. The
zygote runs under the same isolation as a single worker would (trusted/warm_sandbox.py
starts it), imports only trusted modules, and never imports the submission. For each request it
forks a child that becomes an ordinary worker (worker.run_steps) in its own fresh
working copy, and reports what the child answered, its exit status, the tail of its
output and its CPU time.

Run as ``python zygote.py CONTROL_FD REPLY_FD MODULE...``. Frames on both pipes are an
8-byte big-endian length and a payload. A request is two frames (a JSON header and the
worker's request bytes); a reply is two frames (a JSON header and the child's response
bytes). The first reply, sent once the modules are imported, says the zygote is ready.

Each child gets its own IPC namespace (SysV segments, semaphores, message queues,
POSIX queues): it unshares one inside a user namespace of its own that maps only its
uid, forbids further user namespaces, then drops every capability that namespace gave
it, before any submission code runs. The zygote empties the sandbox's /tmp and
/dev/shm after each check, and starts afresh (a new sandbox, whose tmpfs the kernel
frees at once) when a check left more files than the limit.

Why a child cannot fake the reply: the zygote makes itself non-dumpable before forking,
so processes of its uid can neither trace it nor read its memory or file descriptors;
under bubblewrap it is its PID namespace's init, which signals sent from inside the
namespace cannot kill. A child that stops it anyway (without bubblewrap) only loses its
own check: the trusted side starts a new zygote for the next one.
"""
import ctypes
import json
import os
import random
import resource
import selectors
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves it out

import protocol  # noqa: E402  (its neighbour in the sandbox's runtime folder)

PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_CAPBSET_DROP = 4, 36, 24
CLONE_NEWUSER, CLONE_NEWIPC = 0x10000000, 0x08000000
LINUX_CAPABILITY_VERSION_3 = 0x20080522
NO_ISOLATION = 71  # a child's exit status when it could not make its own namespaces


class IsolationError(Exception):
    """A child could not make its own namespaces (a fault of the host, not the check)."""


def own_ipc_namespace():
    """Move this process into a new IPC namespace, inside a new user namespace that
    maps its own uid and gid to themselves and allows no further user namespaces; then
    drop every capability (effective, permitted, inheritable, bounding) that the new
    user namespace granted. Raises IsolationError when the kernel refuses."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    # A child of the non-dumpable zygote is non-dumpable too, and then its /proc/self
    # files belong to root: it could not write its own uid_map. The child is the
    # worker, whose memory holds nothing the submission may not see.
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWIPC) != 0:
        raise IsolationError("unshare: %s" % os.strerror(ctypes.get_errno()))
    try:
        for name, text in (("uid_map", "%d %d 1" % (uid, uid)), ("setgroups", "deny"),
                           ("gid_map", "%d %d 1" % (gid, gid))):
            with open("/proc/self/" + name, "w") as handle:
                handle.write(text)
        with open("/proc/sys/user/max_user_namespaces", "w") as handle:
            handle.write("0")
    except OSError as exc:
        raise IsolationError(str(exc)) from None
    for capability in range(64):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    header = (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
    nothing = (ctypes.c_uint32 * 6)()
    if libc.capset(header, nothing) != 0:
        raise IsolationError("capset: %s" % os.strerror(ctypes.get_errno()))


def write_frame(fd, data):
    view = memoryview(protocol.frame(data))
    while view:
        view = view[os.write(fd, view):]


def prctl(option, value):
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: isolation then rests on the sandbox alone


def become_worker(header, request, keep_fd, output_fd):
    """In the forked child: shed the zygote's pipes and state, run the steps, exit."""
    os.setsid()
    for number in range(1, signal.NSIG):
        try:
            signal.signal(number, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 1 << 16)
    if header.get("own_ipc"):
        try:
            own_ipc_namespace()
        except IsolationError as exc:
            os.write(2, ("the sandbox could not isolate this check: %s\n" % exc).encode())
            os._exit(NO_ISOLATION)
    cpu = int(header["cpu_limit_s"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    # A fresh process would draw fresh seeds; forked ones would all share the zygote's.
    import numpy as np
    np.random.seed(int.from_bytes(os.urandom(4), "little"))
    random.seed(os.urandom(16))
    workdir = header["workdir"]
    os.environ["HOME"] = workdir
    import worker
    result_file = os.fdopen(keep_fd, "wb")
    worker.make_workdir(header["pristine"], workdir)
    os.chdir(workdir)
    sys.path.insert(0, workdir)
    try:
        wire_header, arrays = protocol.decode(request)
        response, out_arrays = worker.run_steps(wire_header, arrays)
        result_file.write(protocol.encode(response, out_arrays))
        result_file.close()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(0)  # atexit hooks a submission may have set are skipped


def kill_descendants(is_init):
    """Kill every process left by the child; return their CPU seconds once reaped."""
    if is_init:
        try:
            os.kill(-1, signal.SIGKILL)  # everyone in the namespace but init itself
        except OSError:
            pass
    cpu = 0.0
    for _ in range(1000):
        # As a subreaper, the zygote inherits orphans: kill its children until none is left.
        me = str(os.getpid())
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open("/proc/%s/stat" % pid) as handle:
                    parent = handle.read().rsplit(")", 1)[1].split()[1]
            except (OSError, IndexError):
                continue
            if parent == me:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass
        try:
            pid, _, usage = os.wait4(-1, 0)
        except ChildProcessError:
            return cpu
        cpu += usage.ru_utime + usage.ru_stime
    return cpu


def serve_one(header, request, is_init):
    """Fork a worker for one request and collect its answer, output tail and CPU time."""
    result_r, result_w = os.pipe()
    output_r, output_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(result_r)
            os.close(output_r)
            become_worker(header, request, result_w, output_w)
        except BaseException:
            import traceback
            os.write(2, traceback.format_exc()[-2000:].encode())  # output_w, once dup2ed
        finally:
            os._exit(70)  # never fall back into the zygote's loop
    os.close(result_w)
    os.close(output_w)
    keep_tail, cap = int(header["tail_bytes"]), int(header["result_bytes"])
    tail, result, result_size = b"", [], 0
    pidfd = os.pidfd_open(pid)
    selector = selectors.DefaultSelector()
    selector.register(output_r, selectors.EVENT_READ, "output")
    selector.register(result_r, selectors.EVENT_READ, "result")
    selector.register(pidfd, selectors.EVENT_READ, "exit")
    exited = False

    def drain(fd, name):
        nonlocal tail, result_size
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            selector.unregister(fd)
            return
        if name == "output":
            tail = (tail + chunk)[-keep_tail:]
        else:
            result_size += len(chunk)
            if result_size <= cap:
                result.append(chunk)

    while not exited:
        for key, _ in selector.select():
            if key.data == "exit":
                exited = True
            else:
                drain(key.fd, key.data)
    _, status, usage = os.wait4(pid, 0)
    cpu = usage.ru_utime + usage.ru_stime + kill_descendants(is_init)
    # Nothing can write any more: read what is left in the pipes.
    for fd, name in ((output_r, "output"), (result_r, "result")):
        while fd in selector.get_map():
            drain(fd, name)
        os.close(fd)
    selector.close()
    os.close(pidfd)
    if os.WIFSIGNALED(status):
        code = -os.WTERMSIG(status)
    else:
        code = os.WEXITSTATUS(status)
    reply = {"returncode": code, "cpu_s": cpu, "output_tail": tail.decode("utf-8", "replace"),
             "too_large": result_size > cap, "no_isolation": code == NO_ISOLATION}
    return reply, b"".join(result) if result_size <= cap else b""


def probe(uid):
    """`zygote.py --probe UID`: exit 0 when this process runs as UID, not root, and a
    forked child can make its own namespaces (what the checks will need)."""
    if os.getuid() != uid or os.geteuid() == 0 or os.getgroups():
        sys.exit("the sandbox runs as uid %d, groups %s, not as %d" % (os.getuid(), os.getgroups(), uid))
    pid = os.fork()
    if pid == 0:
        try:
            own_ipc_namespace()
            os._exit(0)
        except BaseException as exc:
            os.write(2, ("own IPC namespace: %s\n" % exc).encode())
            os._exit(NO_ISOLATION)
    _, status = os.waitpid(pid, 0)
    sys.exit(0 if status == 0 else "a check could not get its own IPC namespace")


def main():
    if sys.argv[1] == "--probe":
        probe(int(sys.argv[2]))
    control_fd, reply_fd = int(sys.argv[1]), int(sys.argv[2])
    loaded = []
    for name in sys.argv[3:]:
        try:
            __import__(name)
            loaded.append(name)
        except ImportError:
            pass  # a check that needs it will say so itself
    import worker  # noqa: F401  (imported before forking, like the workers' modules)
    try:
        os.close(os.pidfd_open(os.getpid()))  # Linux 5.3 or later
    except (AttributeError, OSError):
        os._exit(1)  # no ready frame: the trusted side uses cold workers
    prctl(PR_SET_DUMPABLE, 0)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    is_init = os.getpid() == 1
    write_frame(reply_fd, json.dumps({"ready": True, "preloaded": loaded}).encode())
    while True:
        try:
            header = json.loads(protocol.read_frame(control_fd))
            request = protocol.read_frame(control_fd)
        except EOFError:
            break
        reply, result = serve_one(header, request, is_init)
        if is_init:
            reply["files_left"] = clear_tmp(int(header["max_files"]))
        write_frame(reply_fd, json.dumps(reply).encode())
        write_frame(reply_fd, result)
        if is_init and reply["files_left"] > int(header["max_files"]):
            break  # the trusted side starts a new sandbox, whose tmpfs is fresh
    os._exit(0)


def clear_tmp(limit):
    """Under bubblewrap /tmp and /dev/shm are the sandbox's own tmpfs (the working
    copy included): empty them between checks. Returns how many entries there were,
    counting no further than just past `limit` (beyond it the zygote leaves, and the
    kernel frees the tmpfs with its sandbox faster than any walk).
    Read-only mounts inside (the interpreter's folders, bound back when they live under
    /tmp) are left alone rather than walked: they hold nothing a check could have
    written, and walking a venv costs a tenth of a second."""
    count = 0
    for folder in ("/tmp", "/dev/shm"):
        count += _empty(folder, limit - count)
    return count


def _empty(folder, left):
    """Remove what `folder` holds, stopping once more than `left` entries were seen."""
    count = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                count += 1
                if count > left:
                    return count
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if os.access(entry.path, os.W_OK) and not os.path.ismount(entry.path):
                            count += _empty(entry.path, left - count)
                            if count > left:
                                return count
                            os.rmdir(entry.path)
                    else:
                        os.unlink(entry.path)
                except OSError:
                    pass  # a mount point, or not empty because of one
    except OSError:
        pass
    return count


if __name__ == "__main__":
    main()
