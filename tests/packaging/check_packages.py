"""Checks on the packages in the folder feed and on what a restore took from it.

  check_packages.py contents FEED VERSION
      every shipped package is in FEED with real metadata and the README; NativeBn carries the source generator
      under analyzers/dotnet/cs; NativeBn.Cli is a .NET tool whose command is nativebn.
  check_packages.py restored FOLDER NUPKG
      the copy of the package that NuGet keeps in the restored package's FOLDER is byte for byte NUPKG (the package
      just packed), so no cached copy was taken instead.
Prints one line per problem and exits with 1 if there is any.
"""
import hashlib
import os
import sys
import xml.etree.ElementTree as ET
import zipfile

LIBRARIES = ["NativeBn", "NativeBn.Interop", "NativeBn.Cuda", "NativeBn.Mpi", "NativeBn.Hosting"]
TOOL = "NativeBn.Cli"


def nuspec_metadata(archive):
    name = next(n for n in archive.namelist() if n.endswith(".nuspec") and "/" not in n)
    root = ET.fromstring(archive.read(name))
    metadata = next(child for child in root if child.tag.endswith("metadata"))
    return {child.tag.split("}")[-1]: child for child in metadata}


def contents(feed, version):
    problems = []
    for package_id in LIBRARIES + [TOOL]:
        path = os.path.join(feed, f"{package_id}.{version}.nupkg")
        if not os.path.isfile(path):
            problems.append(f"{path}: missing")
            continue
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            metadata = nuspec_metadata(archive)
            description = (metadata["description"].text or "") if "description" in metadata else ""
            if not description or description == "Package Description":
                problems.append(f"{package_id}: placeholder description {description!r}")
            for field in ("authors", "tags", "readme"):
                if field not in metadata or not (metadata[field].text or "").strip():
                    problems.append(f"{package_id}: no <{field}>")
            if "README.md" not in names:
                problems.append(f"{package_id}: README.md not packed")
            if package_id == TOOL:
                settings = [n for n in names if n.endswith("/DotnetToolSettings.xml")]
                if not settings:
                    problems.append(f"{package_id}: no DotnetToolSettings.xml (not a .NET tool)")
                else:
                    commands = [c.get("Name") for c in ET.fromstring(archive.read(settings[0])).iter("Command")]
                    if commands != ["nativebn"]:
                        problems.append(f"{package_id}: tool commands {commands}, expected ['nativebn']")
            elif f"lib/net10.0/{package_id}.dll" not in names:
                problems.append(f"{package_id}: lib/net10.0/{package_id}.dll missing")
            if package_id == "NativeBn" and "analyzers/dotnet/cs/NativeBn.Generators.dll" not in names:
                problems.append("NativeBn: analyzers/dotnet/cs/NativeBn.Generators.dll missing (no source generator)")
    return problems


def restored(folder, nupkg):
    # NuGet keeps the package it extracted as <id>.<version>.nupkg, lower case, in the package's folder.
    copy = os.path.join(folder, os.path.basename(nupkg).lower())
    if not os.path.isfile(copy):
        return [f"{copy}: missing (the package was not restored there)"]
    restored_hash, packed_hash = sha512(copy), sha512(nupkg)
    if restored_hash != packed_hash:
        return [f"{copy}: SHA-512 {restored_hash[:16]}... is not that of {nupkg} ({packed_hash[:16]}...)"]
    return []


def sha512(path):
    with open(path, "rb") as f:
        return hashlib.sha512(f.read()).hexdigest()


def main(args):
    if len(args) == 3 and args[0] == "contents":
        problems = contents(args[1], args[2])
    elif len(args) == 3 and args[0] == "restored":
        problems = restored(args[1], args[2])
    else:
        print(__doc__)
        return 2
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
