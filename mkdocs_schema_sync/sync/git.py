"""The repository side, through the `git` command: one fixed branch, rebuilt from the base and force-pushed.

As peter-evans/create-pull-request does it: the branch `schema-sync/<name>` is
never merged into or rebased; every pass that has something new builds one
commit on top of the base branch's head and pushes it with
`--force-with-lease`, so a branch moved by someone else since we looked is not
overwritten. The commit is built in a temporary worktree: the checkout the
command runs in is never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import SchemaSyncError
from ..masking import mask

TRAILER = "Schema-Sync-SHA256"
_TRAILER = re.compile(rf"^{TRAILER}: ([0-9a-f]{{64}})\s*$", re.MULTILINE)
#: used only when the repository names no committer (a fresh CI checkout)
DEFAULT_IDENTITY = ("mkdocs-schema-sync", "schema-sync@users.noreply.github.com")


class GitError(SchemaSyncError):
    """A git command failed; the message holds its (masked) last lines."""


@dataclass
class BranchState:
    base: str  # the base branch's name
    base_sha: str
    head_sha: str | None  # our branch on origin; None when it does not exist


class Repo:
    """The git repository holding `path`, and its remote (`origin`)."""

    def __init__(self, path: Path, remote: str = "origin", timeout: float = 120.0) -> None:
        self.timeout = timeout
        self.remote = remote
        if shutil.which("git") is None:
            raise GitError("the `git` command is not installed; install git to open pull requests")
        try:
            top = self.run("rev-parse", "--show-toplevel", cwd=path)
        except GitError:
            raise GitError(f"{path} is not inside a git repository: run `monitor`/`pr` in a clone") from None
        self.root = Path(top)

    def run(
        self,
        *args: str,
        cwd: Path | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> str:
        # never wait for a password prompt
        full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=cwd or self.root,
                env=full_env,
                capture_output=True,
                text=True,
                timeout=self.timeout,
            )
        except subprocess.TimeoutExpired:
            raise GitError(f"`git {args[0]}` did not finish in {self.timeout:.0f} s") from None
        if check and done.returncode != 0:
            lines = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
            detail = " / ".join(lines[-3:]) or f"exit code {done.returncode}"
            raise GitError(f"`git {args[0]}` failed: {mask(detail)}")
        return done.stdout.strip()

    def relpath(self, path: Path) -> str:
        """`path` as git names it inside the repository (forward slashes)."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            raise GitError(f"{path} is outside the git repository {self.root}") from None

    def default_branch(self) -> str:
        """The branch origin's HEAD points at (GitHub's default branch)."""
        out = self.run("ls-remote", "--symref", self.remote, "HEAD")
        m = re.search(r"^ref: refs/heads/(\S+)\s+HEAD", out, re.MULTILINE)
        if not m:
            raise GitError(f"cannot tell the default branch of {self.remote}: set `github: base:` in mkdocs.yml")
        return m.group(1)

    def state(self, base: str, branch: str) -> BranchState:
        """Fetch the base branch and our branch from origin (one ls-remote, one fetch)."""
        heads = {}
        for line in self.run("ls-remote", self.remote, f"refs/heads/{base}", f"refs/heads/{branch}").splitlines():
            sha, ref = line.split("\t", 1)
            heads[ref.removeprefix("refs/heads/")] = sha
        if base not in heads:
            raise GitError(f"the base branch {base!r} does not exist on {self.remote}: set `github: base:`")
        refspecs = [f"+refs/heads/{name}:refs/remotes/{self.remote}/{name}" for name in sorted(heads)]
        self.run("fetch", "--quiet", "--no-tags", self.remote, *refspecs)
        return BranchState(base, heads[base], heads.get(branch))

    def show(self, commit: str, relpath: str) -> str | None:
        """A file's text at `commit`; None when it is not there."""
        done = subprocess.run(
            ["git", "show", f"{commit}:{relpath}"], cwd=self.root, capture_output=True, timeout=self.timeout
        )
        return done.stdout.decode("utf-8") if done.returncode == 0 else None

    def blob(self, commit: str, relpath: str) -> str | None:
        """The id of a file's blob at `commit` (git's hash of its content); None when it is not there."""
        return self.run("rev-parse", "--verify", "--quiet", f"{commit}:{relpath}", check=False) or None

    def cat(self, blob: str) -> str | None:
        """A blob's text; None when the repository does not hold it (or it is not UTF-8)."""
        if not re.fullmatch(r"[0-9a-f]{40,64}", blob):
            return None
        command = ["git", "cat-file", "blob", blob]
        done = subprocess.run(command, cwd=self.root, capture_output=True, timeout=self.timeout)
        try:
            return done.stdout.decode("utf-8") if done.returncode == 0 else None
        except UnicodeDecodeError:
            return None

    def message(self, commit: str) -> str:
        return self.run("log", "-1", "--format=%B", commit)

    def parent(self, commit: str) -> str | None:
        out = self.run("rev-list", "--parents", "-n", "1", commit).split()
        return out[1] if len(out) > 1 else None

    def keyed_sha(self, commit: str) -> str | None:
        """The snapshot SHA-256 a commit of ours carries in its trailer."""
        m = _TRAILER.search(self.message(commit))
        return m.group(1) if m else None

    def build_commit(self, base_sha: str, write: Callable[[Path], list[str]], message: str) -> str:
        """A commit on `base_sha` holding what `write(worktree)` wrote (it returns the paths to stage)."""
        tmp = Path(tempfile.mkdtemp(prefix="schema-sync-"))
        tree = tmp / "tree"
        self.run("worktree", "prune")
        self.run("worktree", "add", "--quiet", "--detach", str(tree), base_sha)
        try:
            paths = write(tree)
            self.run("add", "--all", "--", *paths, cwd=tree)
            identity: list[str] = []
            if not self.run("config", "user.email", cwd=tree, check=False):
                identity = self._identity()
            msg_file = tmp / "message.txt"
            msg_file.write_text(message, encoding="utf-8")
            self.run(*identity, "commit", "--quiet", "--no-verify", "--allow-empty", "-F", str(msg_file), cwd=tree)
            return self.run("rev-parse", "HEAD", cwd=tree)
        finally:
            self.run("worktree", "remove", "--force", str(tree), check=False)
            shutil.rmtree(tmp, ignore_errors=True)

    def commit_file(self, base_sha: str, relpath: str, text: str, message: str) -> str:
        """What `build_commit` makes when it writes one file, without a worktree: the base's tree read into
        a temporary index, the file's blob written (through its attributes' filters, as `git add` does),
        one entry replaced. A snapshot of tens of megabytes is never checked out nor scanned again."""
        tmp = Path(tempfile.mkdtemp(prefix="schema-sync-"))
        try:
            env = {"GIT_INDEX_FILE": str(tmp / "index")}
            self.run("read-tree", base_sha, env=env)
            blob = self._write_blob(relpath, text)
            listed = self.run("ls-tree", base_sha, "--", relpath).split(" ", 1)[0]
            mode = listed if listed in ("100644", "100755") else "100644"
            self.run("update-index", "--add", "--cacheinfo", f"{mode},{blob},{relpath}", env=env)
            tree = self.run("write-tree", env=env)
            return self._commit_tree(tree, base_sha, message, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _commit_tree(self, tree: str, parent: str, message: str, tmp: Path) -> str:
        msg_file = tmp / "message.txt"
        msg_file.write_bytes(self._git_bytes(["stripspace"], message))  # as `git commit -F` cleans it
        options = [] if self.run("config", "user.email", check=False) else self._identity()
        sign = ["-S"] if self.run("config", "--type=bool", "commit.gpgSign", check=False) == "true" else []
        return self.run(*options, "commit-tree", *sign, tree, "-p", parent, "-F", str(msg_file))

    def commit_folder(
        self, base_sha: str, relpath: str, start: str | None, files: dict[str, str | None], message: str
    ) -> str:
        """A commit on `base_sha` whose folder `relpath` is the tree `start` (None: empty) with `files`
        ({path inside the folder: text, or None to remove}) written over it. Whatever the base held under
        `relpath` is replaced; only the files given are hashed (a folder snapshot's pass writes a few), and
        the base's other trees are reused as they are (spliced, never read into an index).
        Blobs are written as they are (`--no-filters`): a snapshot is LF-only UTF-8 JSON on every system."""
        tmp = Path(tempfile.mkdtemp(prefix="schema-sync-"))
        try:
            env = {"GIT_INDEX_FILE": str(tmp / "index")}
            if start is not None:
                self.run("read-tree", start, env=env)
            written = sorted(rel for rel, text in files.items() if text is not None)
            for n, rel in enumerate(written):
                (tmp / f"{n}.json").write_bytes((files[rel] or "").encode("utf-8"))
            paths = "".join(f"{tmp / f'{n}.json'}\n" for n in range(len(written)))
            blobs = self._git_bytes(["hash-object", "-w", "--no-filters", "--stdin-paths"], paths).decode().split()
            zero = "0" * len(blobs[0]) if blobs else "0" * 40
            info = [f"100644 {blob}\t{rel}\0" for blob, rel in zip(blobs, written, strict=True)]
            info += [f"0 {zero}\t{rel}\0" for rel, text in files.items() if text is None]
            self._git_bytes(["update-index", "-z", "--index-info"], "".join(info), env=env)
            folder = self.run("write-tree", env=env)
            tree = self._splice(f"{base_sha}^{{tree}}", relpath.split("/"), folder)
            return self._commit_tree(tree, base_sha, message, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _splice(self, tree: str | None, parts: list[str], subtree: str) -> str:
        """`tree` (None: an empty one) with the tree at path `parts` replaced by `subtree`: one `mktree` per
        folder on the way, never a listing of everything under it."""
        entries: dict[str, str] = {}
        if tree is not None:
            listed = self._git_bytes(["ls-tree", "-z", tree], "").decode("utf-8", "surrogateescape")
            for record in filter(None, listed.split("\0")):
                entries[record.split("\t", 1)[1]] = record
        name = parts[0]
        if len(parts) > 1:
            held = entries.get(name, "").split("\t", 1)[0].split()
            inner = held[2] if len(held) == 3 and held[1] == "tree" else None
            subtree = self._splice(inner, parts[1:], subtree)
        entries[name] = f"040000 tree {subtree}\t{name}"
        return self._git_bytes(["mktree", "-z"], "".join(f"{e}\0" for e in entries.values())).decode().strip()

    def tree_files(self, tree: str) -> dict[str, str]:
        """{path: blob id} of every file under a tree (paths relative to it)."""
        out = self._git_bytes(["ls-tree", "-r", "-z", tree], "").decode("utf-8", "surrogateescape")
        files: dict[str, str] = {}
        for record in filter(None, out.split("\0")):
            meta, path = record.split("\t", 1)
            _, kind, object_id = meta.split()
            if kind == "blob":
                files[path] = object_id
        return files

    def cat_many(self, ids: list[str]) -> dict[str, bytes]:
        """The contents of many objects in one `git cat-file --batch`, by the name asked for (an id, or
        `tree:path`); missing ones left out. Git answers in the order asked."""
        names = list(dict.fromkeys(ids))
        if any("\n" in name for name in names):
            raise GitError("an object name holds a line break")
        out = self._git_bytes(["cat-file", "--batch"], "".join(f"{i}\n" for i in names)) if names else b""
        found: dict[str, bytes] = {}
        at = 0
        for name in names:
            end = out.index(b"\n", at)
            header = out[at:end].split()
            at = end + 1
            if len(header) != 3 or header[-1] == b"missing":  # `<name> missing`, `<name> ambiguous`
                continue
            size = int(header[2])
            found[name] = out[at : at + size]
            at += size + 1
        return found

    def _write_blob(self, relpath: str, text: str) -> str:
        return self._git_bytes(["hash-object", "-w", "--stdin", f"--path={relpath}"], text).decode("ascii").strip()

    def _git_bytes(self, args: list[str], text: str, env: dict[str, str] | None = None) -> bytes:
        """A git command fed `text` (UTF-8, no newline translation); its standard output."""
        done = subprocess.run(
            ["git", *args],
            cwd=self.root,
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=self.timeout,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})},
        )
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
            raise GitError(f"`git {args[0]}` failed: {mask(detail[0])}")
        return done.stdout

    @staticmethod
    def _identity() -> list[str]:
        return ["-c", f"user.name={DEFAULT_IDENTITY[0]}", "-c", f"user.email={DEFAULT_IDENTITY[1]}"]

    def push(self, commit: str, branch: str, expected: str | None) -> None:
        """Force-push `commit` to `branch`, but only if origin's branch is still `expected` (None: absent)."""
        lease = f"--force-with-lease=refs/heads/{branch}:{expected or ''}"
        self.run("push", "--quiet", "--no-verify", lease, self.remote, f"{commit}:refs/heads/{branch}")

    def delete(self, branch: str, expected: str) -> None:
        lease = f"--force-with-lease=refs/heads/{branch}:{expected}"
        self.run("push", "--quiet", "--no-verify", lease, self.remote, f":refs/heads/{branch}")
