#!/usr/bin/env bash
# Installs, once, the PowerShell and Pester that tests/run.sh, tests/try.sh and the benchmarks run VisionPS in, into a
# cache folder (never system-wide):
#   $VISIONPS_TOOLS/pwsh-7.6.9      PowerShell 7.6.9, the dotnet tool (dotnet tool install --tool-path ... PowerShell)
#   $VISIONPS_TOOLS/pester-5.9.1    Pester 5.9.1, restored from NuGet with a PackageDownload (the module is in tools/)
#   $VISIONPS_TOOLS/bin/pwsh        a launcher that execs `dotnet .../unix/pwsh.dll`: one process, so stopping or killing
#                                   it stops PowerShell (the tool's own `pwsh` starts a child process that would outlive it)
# Source it (`. tests/install-pwsh.sh`) to get $VISIONPS_TOOLS/bin first on PATH, VISIONPS_PWSH (the launcher) and
# VISIONPS_PESTER (Pester.psd1) exported;
# returns (or exits with) 1 when the tools cannot be installed.
#   Env: VISIONPS_TOOLS (default ~/.cache/visionps-tools)
_vps_install_tools() {
  local tools=${VISIONPS_TOOLS:-$HOME/.cache/visionps-tools}
  local pwsh_version=7.6.9 pester_version=5.9.1
  local pwsh_dir=$tools/pwsh-$pwsh_version pester_dir=$tools/pester-$pester_version
  local pwsh_dll=$pwsh_dir/.store/powershell/$pwsh_version/powershell/$pwsh_version/tools/net10.0/any/unix/pwsh.dll
  local pester_psd1=$pester_dir/pkgs/pester/$pester_version/tools/Pester.psd1
  local tmp
  mkdir -p "$tools/bin" || return 1
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

  if [ ! -f "$pwsh_dll" ]; then
    echo "== installing PowerShell $pwsh_version (dotnet tool) into $pwsh_dir" >&2
    # Into a temporary folder first, then moved: another run (or a failed one) never sees half a PowerShell.
    tmp=$(mktemp -d "$tools/.pwsh.XXXXXX") || return 1
    if ! dotnet tool install --tool-path "$tmp" PowerShell --version "$pwsh_version" >"$tmp.log" 2>&1; then
      cat "$tmp.log" >&2; rm -rf "$tmp" "$tmp.log"
      echo "FAILED: could not install PowerShell $pwsh_version as a dotnet tool" >&2; return 1
    fi
    rm -f "$tmp.log"
    # A folder left by an interrupted install (no pwsh.dll) is replaced.
    [ -f "$pwsh_dll" ] || { rm -rf "$pwsh_dir"; mv -T "$tmp" "$pwsh_dir" 2>/dev/null; } || true
    rm -rf "$tmp"
    [ -f "$pwsh_dll" ] || { echo "FAILED: $pwsh_dll is missing after the install" >&2; return 1; }
  fi

  if [ ! -f "$pester_psd1" ]; then
    echo "== installing Pester $pester_version (NuGet) into $pester_dir" >&2
    tmp=$(mktemp -d "$tools/.pester.XXXXXX") || return 1
    cat >"$tmp/restore.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <!-- Restores the Pester NuGet package only (tests/install-pwsh.sh); nothing is built. -->
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[$pester_version]" /></ItemGroup>
</Project>
EOF
    if ! dotnet restore "$tmp/restore.csproj" --packages "$tmp/pkgs" -nologo >"$tmp/restore.log" 2>&1; then
      cat "$tmp/restore.log" >&2; rm -rf "$tmp"
      echo "FAILED: could not restore Pester $pester_version from NuGet" >&2; return 1
    fi
    rm -rf "$tmp/obj"
    [ -f "$pester_psd1" ] || { rm -rf "$pester_dir"; mv -T "$tmp" "$pester_dir" 2>/dev/null; } || true
    rm -rf "$tmp"
    [ -f "$pester_psd1" ] || { echo "FAILED: $pester_psd1 is missing after the restore" >&2; return 1; }
  fi

  local launcher=$tools/bin/pwsh
  if [ ! -x "$launcher" ] || ! grep -qF "$pwsh_dll" "$launcher"; then
    tmp=$(mktemp "$tools/bin/.pwsh.XXXXXX") || return 1
    printf '#!/bin/sh\n# PowerShell %s (tests/install-pwsh.sh): exec, so this process is PowerShell itself.\nexec dotnet "%s" "$@"\n' \
      "$pwsh_version" "$pwsh_dll" >"$tmp" && chmod +x "$tmp" && mv -f "$tmp" "$launcher" || return 1
  fi

  # First on PATH, ahead of any other pwsh (the tool's own launcher included).
  local path=":$PATH:"
  path=${path//":$tools/bin:"/:}
  path=${path#:}; path=${path%:}
  export PATH="$tools/bin${path:+:$path}"
  export VISIONPS_PWSH=$launcher VISIONPS_PESTER=$pester_psd1
  return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  _vps_install_tools || exit 1
  command -v pwsh
else
  _vps_install_tools
fi
