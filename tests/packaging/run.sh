#!/usr/bin/env bash
# Packs the shipped packages (NativeBn with its source generator, NativeBn.Interop, NativeBn.Cuda, NativeBn.Mpi,
# NativeBn.Hosting and the NativeBn.Cli tool) into a folder feed; restores NativeBn into a fresh consumer project with its
# own empty packages folder and a nuget.config whose only source is the feed, builds it (the generator must produce the
# kernels) and runs it (generated kernels and the engine against plain double loops); then installs the tool from the feed with
# `dotnet tool install` and runs `nativebn info`. Prints "ok <check>" or "FAIL <check>" per check and
# "N passed, M failed" last.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/tests/packaging"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
python=/usr/bin/python3
[ -x "$python" ] || python=python3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
feed="$work/feed"
passed=0
failed=0

check() { # name, command...: passes when the command succeeds; its output goes to $work/<name>.log
  local name=$1; shift
  if "$@" >"$work/$name.log" 2>&1; then
    echo "ok $name"; passed=$((passed + 1))
  else
    echo "FAIL $name"; tail -25 "$work/$name.log" | sed 's/^/  /'; failed=$((failed + 1))
  fi
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0 || exit 1
}

# The version is set in one place (Directory.Build.props).
version=$(dotnet msbuild "$root/src/NativeBn/NativeBn.csproj" -getProperty:Version 2>/dev/null | tr -d '[:space:]')
[ -n "$version" ] || { echo "FAIL version: could not read the package version"; failed=1; finish; }

# One solution with the shipped projects, packed in one build.
pack() {
  dotnet new sln -n packages -o "$work" --format slnx &&
  dotnet sln "$work/packages.slnx" add "$root/src/NativeBn/NativeBn.csproj" "$root/src/NativeBn.Interop/NativeBn.Interop.csproj" \
    "$root/src/NativeBn.Cuda/NativeBn.Cuda.csproj" "$root/src/NativeBn.Mpi/NativeBn.Mpi.csproj" "$root/src/NativeBn.Hosting/NativeBn.Hosting.csproj" \
    "$root/src/NativeBn.Cli/NativeBn.Cli.csproj" &&
  dotnet pack "$work/packages.slnx" -c Release -p:PackageOutputPath="$feed" -nologo
}
check pack pack
check package-contents "$python" "$here/check_packages.py" contents "$feed" "$version"
[ -f "$feed/NativeBn.$version.nupkg" ] || finish

# The consumer: its own folder (outside the repository: none of its Directory.Build.props applies), its own empty
# packages folder, and the feed as its only package source.
consumer="$work/consumer"
mkdir -p "$consumer"
cp "$here/consumer/Program.cs" "$here/consumer/ConsumerKernels.cs" "$consumer/"
cat >"$consumer/Consumer.csproj" <<PROJECT
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <!-- A generator the compiler cannot load is only a warning (CS9057); here it fails the build. -->
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="NativeBn" Version="$version" />
  </ItemGroup>
</Project>
PROJECT
cat >"$consumer/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="feed" value="$feed" />
  </packageSources>
</configuration>
CONFIG
check consumer-restore dotnet restore "$consumer/Consumer.csproj" --packages "$work/packages" --configfile "$consumer/nuget.config"
check consumer-restored-from-feed "$python" "$here/check_packages.py" restored \
  "$work/packages/nativebn/$version" "$feed/NativeBn.$version.nupkg"
check consumer-build dotnet build "$consumer/Consumer.csproj" -c Release --no-restore -nologo
check consumer-run dotnet "$consumer/bin/Release/net10.0/Consumer.dll"
sed 's/^/  /' "$work/consumer-run.log"

# The tool: installed from the feed alone into a fresh tool path, with its own empty packages folder.
cat >"$work/tool.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
  </packageSources>
</configuration>
CONFIG
tool_install() {
  NUGET_PACKAGES="$work/tool-packages" dotnet tool install NativeBn.Cli --version "$version" --tool-path "$work/tools" \
    --configfile "$work/tool.config" --add-source "$feed" &&
  "$python" "$here/check_packages.py" restored \
    "$work/tools/.store/nativebn.cli/$version/nativebn.cli/$version" "$feed/NativeBn.Cli.$version.nupkg"
}
check tool-install tool_install
tool_info() {
  "$work/tools/nativebn" info | tee "$work/info.txt" &&
  grep -q "^nativebn $version" "$work/info.txt" && grep -q "JIT" "$work/info.txt"
}
check tool-info tool_info
sed 's/^/  /' "$work/tool-info.log"
finish
