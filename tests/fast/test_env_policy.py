"""cargo_env is an allowlist: each name and flag below is accepted or refused, with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from cargo_mcp.table.env_policy import EnvPolicy
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import AllowedRoots

ACCEPTED = [
    {"CARGO_BUILD_TARGET": "wasm32-unknown-unknown"},
    {"CARGO_BUILD_JOBS": "2"},
    {"RUSTFLAGS": "-D warnings -W clippy::pedantic --cfg tokio_unstable -C opt-level=2 -Ctarget-cpu=native"},
    {"RUSTFLAGS": '--cfg=feature="x" --check-cfg cfg(has_foo) --cap-lints warn -g -O'},
    {"CARGO_ENCODED_RUSTFLAGS": "-C\x1fdebuginfo=1\x1f-A\x1fdead_code"},
    {"CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS": "-C target-feature=+avx2"},
    {"RUSTDOCFLAGS": "--document-private-items -D warnings"},
    {"CARGO_TARGET_DIR": "target/other"},
    {"CARGO_PROFILE_DEV_OPT_LEVEL": "1", "CARGO_PROFILE_RELEASE_LTO": "thin"},
    {"CARGO_PROFILE_DEV_BUILD_OVERRIDE_DEBUG": "true"},
    {"CARGO_INCREMENTAL": "0", "CARGO_TERM_VERBOSE": "true", "RUST_BACKTRACE": "full"},
    {"RUST_LOG": "debug", "RUST_TEST_THREADS": "1", "PROPTEST_CASES": "10"},
    {"CARGO_NET_OFFLINE": "true"},
]
REFUSED = [
    ({"RUSTFLAGS": "--print=cfg=/tmp/x"}, "--print=cfg=/tmp/x"),
    ({"RUSTFLAGS": "--print cfg=/tmp/x"}, "--print"),
    ({"RUSTFLAGS": "-C incremental=/tmp/x"}, "-C incremental"),
    ({"RUSTFLAGS": "-Cprofile-generate=/tmp/x"}, "-C profile-generate"),
    ({"RUSTFLAGS": "-C linker=/bin/sh"}, "-C linker"),
    ({"RUSTFLAGS": "-C link-arg=-Wl,-T,/tmp/x"}, "-C link-arg"),
    ({"RUSTFLAGS": "-C llvm-args=-x"}, "-C llvm-args"),
    ({"RUSTFLAGS": "--emit=link=/tmp/x"}, "--emit"),
    ({"RUSTFLAGS": "-o /tmp/x"}, "-o"),
    ({"RUSTFLAGS": "-Zunstable-options"}, "-Zunstable-options"),
    ({"RUSTFLAGS": "@/tmp/flags"}, "@/tmp/flags"),
    ({"RUSTFLAGS": "-L /tmp"}, "-L"),
    ({"RUSTFLAGS": "--extern x=/tmp/x.rlib"}, "--extern"),
    ({"RUSTFLAGS": "--sysroot=/tmp"}, "--sysroot"),
    ({"RUSTFLAGS": "-W"}, "needs a value"),
    ({"CARGO_PROFILE_DEV_CODEGEN_BACKEND": "x"}, "is refused"),
    ({"CARGO_PROFILE_DEV_RUSTFLAGS": "-C linker=x"}, "unstable"),
    ({"CARGO_BUILD_BUILD_DIR": "/tmp/elsewhere"}, "outside the allowed roots"),
    ({"CARGO_BUILD_BUILD_DIR": "{workspace-root}/b"}, "template"),
    ({"CARGO_TARGET_DIR": ".."}, "contains the project"),
    ({"CARGO_HTTP_PROXY": "127.0.0.1:1"}, "network traffic"),
    ({"HTTPS_PROXY": "http://127.0.0.1:1"}, "network traffic"),
    ({"CARGO_NET_GIT_FETCH_WITH_CLI": "true"}, "network traffic"),
    ({"CARGO_NET_OFFLINE": "yes"}, "0, 1, true or false"),
    ({"RUSTC_WRAPPER": "/bin/sh"}, "wraps the compiler"),
    ({"LD_PRELOAD": "/tmp/x.so"}, "dynamic loader"),
    ({"DATABASE_URL": "postgres://"}, "not on the allowlist"),
    ({"CARGO_BUILD_JOBS": "-1"}, "number of jobs"),
]


@pytest.fixture
def policy(tmp_path: Path) -> tuple[EnvPolicy, Path]:
    project = tmp_path / "root" / "project"
    project.mkdir(parents=True)
    return EnvPolicy(AllowedRoots((tmp_path / "root",))), project


@pytest.mark.parametrize("env", ACCEPTED)
def test_allowed_settings_pass(policy: tuple[EnvPolicy, Path], env: dict[str, str]) -> None:
    checker, project = policy
    assert checker.check(env, project) == env


@pytest.mark.parametrize(("env", "reason"), REFUSED)
def test_everything_else_is_refused_with_the_reason_and_the_list(
    policy: tuple[EnvPolicy, Path], env: dict[str, str], reason: str
) -> None:
    checker, project = policy
    with pytest.raises(Refusal) as refused:
        checker.check(env, project)
    assert reason in str(refused.value)


def test_the_operator_can_allow_names_but_not_flags(tmp_path: Path) -> None:
    checker = EnvPolicy(AllowedRoots((tmp_path,)), ("DATABASE_URL", "RUSTFLAGS"))
    assert checker.check({"DATABASE_URL": "postgres://"}, tmp_path)
    with pytest.raises(Refusal, match="--print"):
        checker.check({"RUSTFLAGS": "--print=cfg=/tmp/x"}, tmp_path)
