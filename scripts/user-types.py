#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Convert user-space C sources to the kernel's type names, in place.

    scripts/user-types.py FILE...

uintN_t -> uN and intN_t -> sN (N = 8, 16, 32, 64; vmm/include/hyv/
user_types.h defines them), then what the shorter names moved is put back
where it was: a trailing comment to its old column, a continuation line
aligned to an open parenthesis to the parenthesis's new column. Idempotent:
a converted file is left as it is. The file must reach <hyv/user_types.h>
(or a header that includes it), and printf formats of values that were
uint64_t/int64_t need "%llu"/"%lld" (u64 is unsigned long long): the
compiler's -Wformat finds them.
"""
import re
import sys

TYPES = re.compile(r'\b(u?)int(8|16|32|64)_t\b')


def convert(m):
    return ('u' if m.group(1) else 's') + m.group(2)


def vcol(s, end):
    """The visual column (tabs of 8) of s[end]."""
    c = 0
    for ch in s[:end]:
        c = (c // 8 + 1) * 8 if ch == '\t' else c + 1
    return c


def pad(from_col, to_col):
    """Tabs, then spaces, from from_col to to_col."""
    out = ''
    while (from_col // 8 + 1) * 8 <= to_col:
        out += '\t'
        from_col = (from_col // 8 + 1) * 8
    return out + ' ' * (to_col - from_col)


def scan(line):
    """(index of a trailing comment or None, indexes of unclosed '(')."""
    opens, i, n = [], 0, len(line)
    while i < n:
        ch = line[i]
        if ch in '"\'':
            i += 1
            while i < n and line[i] != ch:
                i += 2 if line[i] == '\\' else 1
        elif line.startswith('/*', i) or line.startswith('//', i):
            if line[:i].strip():
                return i, opens
            end = line.find('*/', i + 2)
            if line.startswith('//', i) or end < 0:
                return None, opens
            i = end + 1
        elif ch == '(':
            opens.append(i)
        elif ch == ')' and opens:
            opens.pop()
        i += 1
    return None, opens


def fix_comment(old, new):
    oc, _ = scan(old)
    nc, _ = scan(new)
    if oc is None or nc is None:
        return new
    code = new[:nc].rstrip()
    want, have = vcol(old, oc), vcol(code, len(code))
    if have >= want:
        return new
    return code + pad(have, want) + new[nc:]


def convert_file(path):
    with open(path) as f:
        old = f.read().split('\n')
    new = [TYPES.sub(convert, line) for line in old]
    for i in range(len(new)):
        if new[i] == old[i]:
            continue
        new[i] = fix_comment(old[i], new[i])
        _, oo = scan(old[i])
        _, no = scan(new[i])
        if not oo or not no:
            continue
        ocol, ncol = vcol(old[i], oo[-1]) + 1, vcol(new[i], no[-1]) + 1
        j = i + 1
        while ocol != ncol and j < len(new):
            body = old[j].lstrip(' \t')
            if not body or vcol(old[j], len(old[j]) - len(body)) != ocol:
                break
            new[j] = pad(0, ncol) + new[j].lstrip(' \t')
            j += 1
    with open(path, 'w') as f:
        f.write('\n'.join(new))


for p in sys.argv[1:]:
    convert_file(p)
