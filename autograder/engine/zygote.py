"""The sandboxed zygote: imports numpy (and torch) once, then forks one worker per check.

Importing torch costs a second of CPU; a grading run makes a hundred worker runs. The
zygote runs under the same isolation as a single worker would (sandbox.py starts it),
imports only trusted modules, and never imports the submission. For each request it
forks a child that becomes an ordinary worker (worker.run_steps) in its own fresh
working copy, and reports what the child answered, its exit status, the tail of its
output and its CPU time.

Run as ``python zygote.py CONTROL_FD REPLY_FD MODULE...``. Frames on both pipes are an
8-byte big-endian length and a payload. A request is two frames (a JSON header and the
worker's request bytes); a reply is two frames (a JSON header and the child's response
bytes). The first reply, sent once the modules are imported, says the zygote is ready.

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

import protocol  # noqa: E402  (this folder's copy of autograder/engine/protocol.py)

PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 4, 36


def read_exact(fd, size):
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(fd):
    (size,) = protocol.FRAME_LENGTH.unpack(read_exact(fd, protocol.FRAME_LENGTH.size))
    return read_exact(fd, size)


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
             "too_large": result_size > cap}
    return reply, b"".join(result) if result_size <= cap else b""


def main():
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
            header = json.loads(read_frame(control_fd))
            request = read_frame(control_fd)
        except EOFError:
            break
        reply, result = serve_one(header, request, is_init)
        if is_init:
            clear_tmp()
        write_frame(reply_fd, json.dumps(reply).encode())
        write_frame(reply_fd, result)
    os._exit(0)


def clear_tmp():
    """Under bubblewrap /tmp and /dev/shm are the sandbox's own tmpfs: empty them
    between checks. Read-only mounts inside (the interpreter's folders, bound back when
    they live under /tmp) are left alone rather than walked: they hold nothing a check
    could have written, and walking a venv costs a tenth of a second."""
    for folder in ("/tmp", "/dev/shm"):
        _empty(folder)


def _empty(folder):
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                if os.access(entry.path, os.W_OK):
                    _empty(entry.path)
                    if not os.path.ismount(entry.path):
                        os.rmdir(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            pass  # a mount point, or not empty because of one


if __name__ == "__main__":
    main()
