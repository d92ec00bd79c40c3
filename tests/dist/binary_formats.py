"""Just enough of ELF, PE and Mach-O to check a release binary's architecture and linkage
without the target's own tools: the ELF program headers (a static binary has no
interpreter and no dynamic section), the DLLs a PE imports, and a Mach-O's minimum macOS
version, linked dylibs and code signature. Each parser reads the headers only and fails
loudly on anything it does not expect.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field


class FormatError(ValueError):
    pass


# --- ELF ------------------------------------------------------------------------------

ELF_MACHINES = {62: "x86_64", 183: "aarch64"}
PT_DYNAMIC, PT_INTERP = 2, 3


@dataclass(frozen=True)
class Elf:
    machine: str
    program_header_types: tuple[int, ...]

    @property
    def static(self) -> bool:
        return PT_INTERP not in self.program_header_types and (
            PT_DYNAMIC not in self.program_header_types
        )


def parse_elf(data: bytes) -> Elf:
    if data[:4] != b"\x7fELF":
        raise FormatError("not an ELF file")
    if data[4] != 2 or data[5] != 1:
        raise FormatError("not a 64-bit little-endian ELF file")
    (machine,) = struct.unpack_from("<H", data, 18)
    (phoff,) = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    types = tuple(struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum))
    return Elf(ELF_MACHINES.get(machine, f"machine {machine}"), types)


# --- PE -------------------------------------------------------------------------------

PE_MACHINES = {0x8664: "x86_64", 0xAA64: "aarch64"}
PE_SUBSYSTEM_CONSOLE = 3


@dataclass(frozen=True)
class Pe:
    machine: str
    subsystem: int
    imports: tuple[str, ...]
    delay_imports: tuple[str, ...]


def parse_pe(data: bytes) -> Pe:
    if data[:2] != b"MZ":
        raise FormatError("not a PE file (no MZ header)")
    (pe_offset,) = struct.unpack_from("<I", data, 0x3C)
    if data[pe_offset : pe_offset + 4] != b"PE\0\0":
        raise FormatError("no PE signature")
    coff = pe_offset + 4
    machine, sections, _, _, _, optional_size, _ = struct.unpack_from("<HHIIIHH", data, coff)
    optional = coff + 20
    (magic,) = struct.unpack_from("<H", data, optional)
    if magic != 0x20B:
        raise FormatError("not a PE32+ (64-bit) image")
    (subsystem,) = struct.unpack_from("<H", data, optional + 68)
    directories = optional + 112
    section_table = optional + optional_size
    spans: list[tuple[int, int, int]] = []
    for i in range(sections):
        entry = section_table + 40 * i
        virtual_size, virtual_address, raw_size, raw_pointer = struct.unpack_from(
            "<IIII", data, entry + 8
        )
        spans.append((virtual_address, max(virtual_size, raw_size), raw_pointer))

    def offset(rva: int) -> int:
        for address, size, pointer in spans:
            if address <= rva < address + size:
                return rva - address + pointer
        raise FormatError(f"RVA {rva:#x} is in no section")

    def name_at(rva: int) -> str:
        start = offset(rva)
        return data[start : data.index(b"\0", start)].decode("ascii")

    def directory(index: int) -> tuple[int, int]:
        rva, size = struct.unpack_from("<II", data, directories + 8 * index)
        return rva, size

    imports = []
    rva, _ = directory(1)
    if rva:
        entry = offset(rva)
        while True:
            fields = struct.unpack_from("<IIIII", data, entry)
            if not any(fields):
                break
            imports.append(name_at(fields[3]))
            entry += 20
    delay = []
    rva, _ = directory(13)
    if rva:
        entry = offset(rva)
        while True:
            fields = struct.unpack_from("<IIIIIIII", data, entry)
            if not any(fields):
                break
            delay.append(name_at(fields[1]))
            entry += 32
    return Pe(
        PE_MACHINES.get(machine, f"machine {machine:#x}"), subsystem, tuple(imports), tuple(delay)
    )


# --- Mach-O ---------------------------------------------------------------------------

MACHO_CPUS = {0x01000007: "x86_64", 0x0100000C: "aarch64"}
LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB = 0xC, 0x80000018, 0x8000001F
LC_CODE_SIGNATURE, LC_VERSION_MIN_MACOSX, LC_BUILD_VERSION = 0x1D, 0x24, 0x32
PLATFORM_MACOS = 1


@dataclass(frozen=True)
class MachO:
    machine: str
    minimum_macos: tuple[int, int]
    dylibs: tuple[str, ...]
    has_code_signature: bool
    commands: tuple[int, ...] = field(default=())


def _version(packed: int) -> tuple[int, int]:
    return packed >> 16, (packed >> 8) & 0xFF


def parse_macho(data: bytes) -> MachO:
    (magic,) = struct.unpack_from("<I", data, 0)
    if magic != 0xFEEDFACF:
        raise FormatError("not a 64-bit little-endian Mach-O file (a fat file?)")
    cpu, _, filetype, ncmds, _, _, _ = struct.unpack_from("<IIIIIII", data, 4)
    if filetype != 2:
        raise FormatError(f"Mach-O file type {filetype}, not an executable")
    entry = 32
    minimum = None
    dylibs = []
    commands = []
    for _ in range(ncmds):
        command, size = struct.unpack_from("<II", data, entry)
        commands.append(command)
        if command in (LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB):
            (name_offset,) = struct.unpack_from("<I", data, entry + 8)
            raw = data[entry + name_offset : entry + size]
            dylibs.append(raw.split(b"\0", 1)[0].decode())
        elif command == LC_BUILD_VERSION:
            platform, minos = struct.unpack_from("<II", data, entry + 8)
            if platform != PLATFORM_MACOS:
                raise FormatError(f"built for platform {platform}, not macOS")
            minimum = _version(minos)
        elif command == LC_VERSION_MIN_MACOSX:
            (minos,) = struct.unpack_from("<I", data, entry + 8)
            minimum = _version(minos)
        entry += size
    if minimum is None:
        raise FormatError("no LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX command")
    return MachO(
        MACHO_CPUS.get(cpu, f"cpu {cpu:#x}"),
        minimum,
        tuple(dylibs),
        LC_CODE_SIGNATURE in commands,
        tuple(commands),
    )
