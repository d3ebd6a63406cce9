#!/usr/bin/python3
"""The layer rule of host/src, checked on the sources and on the built libraries.

host/src is one folder per layer, in the order host/CMakeLists.txt adds them (its
`foreach(layer ...)` line is the one place the order is written): a file may include headers of
its own layer and of the layers below it, never of one above. Only the programs' main() files
stay at the top of host/src, above every layer.

Checked here:
  1. every quoted include in host/src is written from the one root ("http/url.hpp") and names a
     file of host/src; nothing of outputs/ or observers/ is included (they are plugins, built
     against the SDK alone);
  2. no file includes a header of a higher layer;
  3. with --libraries, no layer library needs a symbol that only a higher layer's library
     defines (read with nm), so a call that runs backwards is caught even without an include.

Usage: check_layers.py SOURCE_DIR [--libraries NAME=ARCHIVE ...]
Exit status 0 when the rule holds, 1 with one line per breach otherwise.
"""
import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', re.M)


def layer_order(source_dir):
    cmake = open(os.path.join(source_dir, 'host', 'CMakeLists.txt')).read()
    m = re.search(r'foreach\(layer ([^)]*)\)', cmake)
    if not m:
        sys.exit('check_layers: no "foreach(layer ...)" line in host/CMakeLists.txt')
    return m.group(1).split()


def layer_of(path, layers):
    """The layer a path under host/src belongs to (the longest matching folder), or None for a
    top-level file."""
    best = None
    for layer in layers:
        if path.startswith(layer + '/') and (best is None or len(layer) > len(best)):
            best = layer
    return best


def rank(layer, layers):
    return len(layers) if layer is None else layers.index(layer)


def check_sources(source_dir, layers):
    src = os.path.join(source_dir, 'host', 'src')
    breaches = []
    files = 0
    for folder, _, names in os.walk(src):
        for name in sorted(names):
            if not name.endswith(('.cpp', '.hpp', '.h')):
                continue
            files += 1
            path = os.path.relpath(os.path.join(folder, name), src)
            here = layer_of(path, layers)
            if here is None and os.path.dirname(path):
                breaches.append(f'{path}: in no layer folder (host/CMakeLists.txt lists them)')
                continue
            if here is None and not name.endswith('_main.cpp') and name != 'main.cpp':
                breaches.append(f'{path}: only the programs\' main() files stay at the top of host/src')
            text = open(os.path.join(folder, name)).read()
            for line_no, included in included_files(text):
                where = f'host/src/{path}:{line_no}'
                if included.startswith(('outputs/', 'observers/', '../')) or '/../' in included:
                    breaches.append(f'{where}: includes "{included}", outside host/src')
                    continue
                if not os.path.isfile(os.path.join(src, included)):
                    breaches.append(f'{where}: "{included}" is not a path from host/src '
                                    f'(write includes as "folder/file.hpp")')
                    continue
                there = layer_of(included, layers)
                if there is None:
                    breaches.append(f'{where}: includes "{included}", a program\'s main file')
                elif rank(there, layers) > rank(here, layers):
                    breaches.append(f'{where}: {here or "main"} includes "{included}" of the higher '
                                    f'layer {there}')
    if files == 0:
        breaches.append(f'no sources found under {src}')
    return breaches


def included_files(text):
    for m in INCLUDE.finditer(text):
        yield text.count('\n', 0, m.start()) + 1, m.group(1)


def symbols(archive, *flags):
    out = subprocess.run(['nm', '--format=posix', *flags, archive], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        # "name type [value size]"; member headers end with ':' ("lib.a[x.o]:")
        if len(parts) >= 2 and not parts[0].endswith(':'):
            yield parts[0], parts[1]


def check_libraries(pairs, folder_of_library, layers):
    """pairs: (library, archive) lowest layer first."""
    breaches = []
    strong = {}  # symbol -> library defining it (not weak: inline functions and templates are
    #              emitted, as weak symbols, wherever they are used)
    for library, archive in pairs:
        for name, kind in symbols(archive, '--defined-only'):
            if kind in 'TDBRG' and kind.isupper():
                strong.setdefault(name, library)
    for library, archive in pairs:
        mine = rank(folder_of_library[library], layers)
        seen = set()
        for name, kind in symbols(archive, '--undefined-only'):
            owner = strong.get(name)
            if owner is None or owner == library or name in seen:
                continue
            if rank(folder_of_library[owner], layers) > mine:
                seen.add(name)
                demangled = subprocess.run(['c++filt', name], capture_output=True, text=True).stdout.strip()
                breaches.append(f'{library} needs {demangled} of the higher layer library {owner}')
    return breaches


def library_folders(source_dir, layers):
    """Which layer each library belongs to: the folder whose CMakeLists.txt adds it."""
    folders = {}
    for layer in layers:
        cmake = open(os.path.join(source_dir, 'host', 'src', layer, 'CMakeLists.txt')).read()
        for name in re.findall(r'add_library\((\w+)', cmake):
            folders[name] = layer
    return folders


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    source_dir = argv[1]
    layers = layer_order(source_dir)
    breaches = check_sources(source_dir, layers)
    if '--libraries' in argv:
        folder_of_library = library_folders(source_dir, layers)
        pairs = []
        for item in argv[argv.index('--libraries') + 1:]:
            library, archive = item.split('=', 1)
            if library not in folder_of_library:
                breaches.append(f'{library}: not added by any layer folder\'s CMakeLists.txt')
                continue
            pairs.append((library, archive))
        missing = sorted(set(folder_of_library) - {library for library, _ in pairs})
        if missing:
            breaches.append(f'libraries not checked: {", ".join(missing)}')
        breaches += check_libraries(pairs, folder_of_library, layers)
    for line in breaches:
        print(line)
    if breaches:
        print(f'check_layers: {len(breaches)} breach(es) of the layer rule ({" < ".join(layers)})')
        return 1
    print(f'check_layers: the layer rule holds ({" < ".join(layers)})')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
