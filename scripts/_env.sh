# shellcheck shell=bash
# Shared set-up for the scripts: find Python 3.12+, make sure uv exists, sync the locked environment.
# Sourced, never run. Safe to source on machines that already have everything.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# uv on these machines: the registry certificate chain is only in the system store, and no
# interpreter may be downloaded. Both settings are harmless elsewhere.
export UV_SYSTEM_CERTS=1
export UV_PYTHON_DOWNLOADS=never

find_python() {
    local candidate version
    for candidate in "${RELANCE_PYTHON:-}" python3.13 python3.12 python3 \
        "$(command -v pyenv >/dev/null 2>&1 && pyenv root)"/versions/3.13*/bin/python3 \
        "$(command -v pyenv >/dev/null 2>&1 && pyenv root)"/versions/3.12*/bin/python3 \
        /usr/bin/python3.13 /usr/bin/python3.12; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || [ -x "$candidate" ] || continue
        version=$("$candidate" -c 'import sys; print("%d%02d" % sys.version_info[:2])' 2>/dev/null) || continue
        if [ "$version" -ge 312 ]; then
            command -v "$candidate" 2>/dev/null || echo "$candidate"
            return 0
        fi
    done
    return 1
}

if [ -z "${UV_PYTHON:-}" ]; then
    if ! UV_PYTHON="$(find_python)"; then
        echo "Relance needs Python 3.12 or newer and none was found." >&2
        echo "Install one (pyenv install 3.12, or apt install python3.12) or set RELANCE_PYTHON=/path/to/python3.12." >&2
        exit 1
    fi
    export UV_PYTHON
fi

if ! uv --version >/dev/null 2>&1; then
    if "$HOME/.local/bin/uv" --version >/dev/null 2>&1; then
        export PATH="$HOME/.local/bin:$PATH"
    else
        echo "Installing uv (the Python package manager Relance uses)..." >&2
        "$UV_PYTHON" -m pip install --quiet --user uv >&2 2>/dev/null \
            || "$UV_PYTHON" -m pip install --quiet uv >&2
        export PATH="$HOME/.local/bin:$("$UV_PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$PATH"
    fi
fi

uv sync --locked --quiet
export PATH="$ROOT/.venv/bin:$PATH"
