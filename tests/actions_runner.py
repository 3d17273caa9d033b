"""A small local executor of the GitHub Actions workflows `init-ci` writes: the runner check.

It does what a runner does for these workflows, without Docker or the network:
jobs in `needs:` order, `if:` evaluated, every `run:` step through
`bash --noprofile --norc -eo pipefail` in a real clone of the repository (from
its bare origin, at the event's ref), `${{ }}` expressions substituted (secrets,
vars, github.*, steps.*.outputs), `env` merged workflow → job → step,
`defaults.run.working-directory`, `$GITHUB_STEP_SUMMARY`, `$GITHUB_OUTPUT`,
`$GITHUB_ENV`; a job's `environment:` adds that environment's secrets (`environments`) over the
repository's, as GitHub does. The few `uses:` steps are emulated: `actions/checkout` (a
clone; `ref:` honoured), `actions/setup-python` (the running interpreter's
virtualenv first on PATH), the Pages upload/deploy (copy the artifact).

The Install step runs for real against the spec the workflow names: `pip` on
PATH is a shim that builds that spec into a wheel (`pip wheel --no-deps`, e.g.
from a `git+file://` URL of the repository under test) and fails the step when
it cannot; the tools themselves then come from the test's virtualenv.
Expressions outside what these workflows use raise, so a new construct is
noticed rather than silently mis-evaluated.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_STRING = re.compile(r"^'((?:[^']|'')*)'$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")

PIP_SHIM = """#!/bin/bash
# the runner check's pip: build what `pip install SPEC` names into a wheel; the tools come from the test venv
set -e
[ "$1" = install ] || { echo "pip shim: only 'pip install' is emulated" >&2; exit 2; }
shift
echo "$@" >> "$RUNNER_PIP_LOG"
key="$RUNNER_WHEEL_CACHE/$(printf '%s\n' "$@" | sha256sum | cut -c1-32)"
[ -f "$key.ok" ] && { echo "built before: $*"; exit 0; }
"$RUNNER_PYTHON" -m pip wheel -q --no-deps --no-build-isolation -w "$RUNNER_TEMP/wheels" "$@"
touch "$key.ok"
"""


@dataclass
class StepResult:
    name: str
    returncode: int
    output: str


@dataclass
class JobResult:
    name: str
    status: str  # success | failure | skipped
    steps: list[StepResult] = field(default_factory=list)
    summary: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    environment: str | None = None  # the GitHub environment it ran in

    @property
    def output(self) -> str:
        return "\n".join(s.output for s in self.steps)


@dataclass
class RunResult:
    jobs: dict[str, JobResult]
    pages: Path | None = None  # what the Pages deploy published

    @property
    def ok(self) -> bool:
        return all(j.status != "failure" for j in self.jobs.values())

    def describe(self) -> str:
        return "\n".join(
            f"== {name}: {job.status}\n" + "\n".join(f"-- {s.name} ({s.returncode})\n{s.output}" for s in job.steps)
            for name, job in self.jobs.items()
        )


class ActionsRunner:
    """Runs one workflow file of a repository whose bare origin is `origin`."""

    def __init__(
        self,
        origin: Path,
        scratch: Path,
        *,
        repository: str,
        api_url: str,
        secrets: dict[str, str] | None = None,
        environments: dict[str, dict[str, str]] | None = None,
        variables: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
        wheel_cache: Path | None = None,
    ) -> None:
        self.origin = origin
        self.scratch = scratch
        self.repository = repository
        self.api_url = api_url
        self.secrets = secrets or {}
        self.environments = environments or {}  # environment name -> its secrets (GitHub compares names ignoring case)
        self.vars = variables or {}
        self.extra_env = env or {}
        self.runs = 0
        self.pip_log = scratch / "pip.log"
        self.wheel_cache = wheel_cache or scratch / "wheel-cache"
        self.wheel_cache.mkdir(parents=True, exist_ok=True)
        bin_dir = scratch / "shims"
        bin_dir.mkdir(parents=True, exist_ok=True)
        (bin_dir / "pip").write_text(PIP_SHIM, encoding="utf-8")
        (bin_dir / "pip").chmod(0o755)
        self.path = os.pathsep.join(
            [str(bin_dir), str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]
        )

    # ------------------------------------------------------------------ expressions

    def _value(self, expr: str, ctx: dict[str, Any]) -> Any:
        expr = expr.strip()
        if "||" in expr:
            for part in expr.split("||"):
                value = self._value(part, ctx)
                if value:
                    return value
            return value
        for op in ("==", "!="):
            if op in expr:
                left, right = (self._value(x, ctx) for x in expr.split(op, 1))
                return (left == right) if op == "==" else (left != right)
        m = _STRING.match(expr)
        if m:
            return m.group(1).replace("''", "'")
        if expr in ("true", "false"):
            return expr == "true"
        if not _NAME.match(expr):
            raise ValueError(f"actions_runner: expression {expr!r} is not emulated")
        head, *rest = expr.split(".")
        value: Any = ctx.get(head)
        for key in rest:
            value = value.get(key) if isinstance(value, dict) else None
        return "" if value is None else value

    def _sub(self, text: Any, ctx: dict[str, Any]) -> Any:
        if not isinstance(text, str):
            return text
        return _EXPR.sub(lambda m: str(self._value(m.group(1), ctx)), text)

    def _condition(self, cond: Any, ctx: dict[str, Any]) -> bool:
        if cond is None:
            return True
        text = str(cond)
        m = _EXPR.fullmatch(text.strip())
        return bool(self._value(m.group(1) if m else text, ctx))

    # ------------------------------------------------------------------ the run

    def run(self, workflow: Path, event: str, *, ref: str = "main", head: str | None = None) -> RunResult:
        """Run `workflow` for `event` (push, pull_request, schedule, workflow_dispatch) at branch `ref`.

        For a pull request `head` is the PR's branch (checked out), `ref` its base.
        """
        self.runs += 1
        data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
        run_dir = self.scratch / f"run{self.runs}"
        run_dir.mkdir(parents=True)
        checkout_ref = head or ref
        sha = subprocess.run(
            ["git", "rev-parse", f"refs/heads/{checkout_ref}"],
            cwd=self.origin,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        github = {
            "event_name": event,
            "ref": f"refs/heads/{ref}",
            "sha": sha,
            "repository": self.repository,
            "token": self.secrets.get("GITHUB_TOKEN", ""),
            "api_url": self.api_url,
        }
        results: dict[str, JobResult] = {}
        pending = dict(data["jobs"])
        pages: Path | None = None
        while pending:
            ready = [name for name, job in pending.items() if all(n in results for n in _needs(job))]
            assert ready, f"actions_runner: a `needs:` cycle or unknown job in {list(pending)}"
            for name in ready:
                job = pending.pop(name)
                needs = _needs(job)
                if any(results[n].status != "success" for n in needs):
                    results[name] = JobResult(name, "skipped")
                    continue
                ctx = {
                    "github": github,
                    "secrets": self.secrets,
                    "vars": self.vars,
                    "needs": {n: {"outputs": results[n].outputs, "result": results[n].status} for n in needs},
                }
                if not self._condition(job.get("if"), ctx):
                    results[name] = JobResult(name, "skipped")
                    continue
                environment = job.get("environment")
                if isinstance(environment, dict):
                    environment = environment.get("name")
                if environment is not None:
                    environment = str(self._sub(environment, ctx))
                    own = {k.casefold(): v for k, v in self.environments.items()}.get(environment.casefold(), {})
                    ctx = {**ctx, "secrets": {**self.secrets, **own}}
                result, published = self._job(name, job, data, ctx, run_dir, checkout_ref)
                result.environment = environment
                results[name] = result
                pages = published or pages
        return RunResult(results, pages)

    def _job(
        self, name: str, job: dict[str, Any], data: dict[str, Any], ctx: dict[str, Any], run_dir: Path, ref: str
    ) -> tuple[JobResult, Path | None]:
        result = JobResult(name, "success")
        job_dir = run_dir / name
        workspace = job_dir / "workspace"
        temp = job_dir / "temp"
        temp.mkdir(parents=True)
        summary, output, genv = temp / "summary.md", temp / "output", temp / "env"
        for f in (summary, output, genv):
            f.write_text("", encoding="utf-8")
        ctx = {**ctx, "steps": {}, "job": {}}
        ctx["github"] = {**ctx["github"], "workspace": str(workspace)}
        defaults = ((job.get("defaults") or {}).get("run") or {}).get("working-directory") or "."
        timeout = 60 * float(job.get("timeout-minutes", 360))
        published: Path | None = None
        added_env: dict[str, str] = {}
        for index, step in enumerate(job.get("steps", [])):
            label = step.get("name") or step.get("uses") or f"step {index + 1}"
            if not self._condition(step.get("if"), ctx):
                continue
            uses = step.get("uses")
            with_ = {k: self._sub(v, ctx) for k, v in (step.get("with") or {}).items()}
            if uses:
                code, text, outputs = self._uses(uses, with_, workspace, ref, run_dir)
                if uses.startswith("actions/deploy-pages"):
                    published = run_dir / "pages"
            else:
                env = {
                    "PATH": self.path,
                    "HOME": str(job_dir),
                    "LANG": "C.UTF-8",
                    "CI": "true",
                    "GITHUB_ACTIONS": "true",
                    "GITHUB_WORKSPACE": str(workspace),
                    "GITHUB_STEP_SUMMARY": str(summary),
                    "GITHUB_OUTPUT": str(output),
                    "GITHUB_ENV": str(genv),
                    "GITHUB_SHA": ctx["github"]["sha"],
                    "GITHUB_REF": ctx["github"]["ref"],
                    "GITHUB_EVENT_NAME": ctx["github"]["event_name"],
                    "GITHUB_REPOSITORY": self.repository,
                    "GITHUB_API_URL": self.api_url,
                    "RUNNER_TEMP": str(temp),
                    "RUNNER_PYTHON": sys.executable,
                    "RUNNER_PIP_LOG": str(self.pip_log),
                    "RUNNER_WHEEL_CACHE": str(self.wheel_cache),
                    **self.extra_env,
                }
                for layer in (data.get("env"), job.get("env"), step.get("env")):
                    env.update({k: str(self._sub(v, ctx)) for k, v in (layer or {}).items()})
                env.update(added_env)
                script = temp / f"step{index}.sh"
                script.write_text(self._sub(step["run"], ctx), encoding="utf-8")
                cwd = workspace / str(self._sub(step.get("working-directory") or defaults, ctx))
                output.write_text("", encoding="utf-8")
                try:
                    done = subprocess.run(
                        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                    )  # fmt: skip
                    code, text = done.returncode, done.stdout + done.stderr
                except subprocess.TimeoutExpired:
                    code, text = 124, f"timed out after timeout-minutes ({timeout:.0f} s)"
                outputs = _pairs(output.read_text(encoding="utf-8"))
                added_env.update(_pairs(genv.read_text(encoding="utf-8")))
            result.steps.append(StepResult(label, code, text))
            if step.get("id"):
                ctx["steps"][step["id"]] = {"outputs": outputs}
            if code != 0:
                result.status = "failure"
                break
        result.summary = summary.read_text(encoding="utf-8")
        result.outputs = {k: str(self._sub(v, ctx)) for k, v in (job.get("outputs") or {}).items()}
        return result, published

    def _uses(
        self, uses: str, with_: dict[str, Any], workspace: Path, ref: str, run_dir: Path
    ) -> tuple[int, str, dict[str, str]]:
        action = uses.split("@", 1)[0]
        if action == "actions/checkout":
            target = str(with_.get("ref") or ref)
            done = subprocess.run(
                ["git", "clone", "-q", "--branch", target, str(self.origin), str(workspace)],
                capture_output=True, text=True,
            )  # fmt: skip
            if done.returncode == 0:
                for key, value in (("user.name", "runner"), ("user.email", "runner@example.invalid")):
                    subprocess.run(["git", "config", key, value], cwd=workspace, check=True)
            return done.returncode, done.stdout + done.stderr, {}
        if action == "actions/setup-python":
            return (
                0,
                f"python {sys.version.split()[0]} (the test's interpreter; asked {with_.get('python-version')})",
                {},
            )
        if action == "actions/upload-pages-artifact":
            source = workspace / str(with_.get("path", "_site"))
            if not source.is_dir():
                return 1, f"no artifact folder {source}", {}
            shutil.copytree(source, run_dir / "artifact")
            return 0, "uploaded", {}
        if action == "actions/deploy-pages":
            if not (run_dir / "artifact").is_dir():
                return 1, "no Pages artifact uploaded", {}
            shutil.copytree(run_dir / "artifact", run_dir / "pages")
            return 0, "deployed", {"page_url": "https://pages.example/"}
        raise ValueError(f"actions_runner: `uses: {uses}` is not emulated")


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else list(needs)


def _pairs(text: str) -> dict[str, str]:
    """`name=value` lines of $GITHUB_OUTPUT / $GITHUB_ENV (the heredoc form is not used by these workflows)."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
