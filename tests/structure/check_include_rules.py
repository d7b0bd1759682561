#!/usr/bin/env python3
"""The include rules of src/ (issue 18), checked.

Reads every `#include` of src/**/*.h and src/**/*.cpp and checks:
  a. no include cycle between rooms (folders of src/) nor between files;
  b. each room includes only the rooms its row of LAYERS allows, and LAYERS itself allows
     nothing that CMakeLists.txt's tk_add_room links do not provide;
  c. the pure core (PURE_CORE) reaches no socket, polling or HTTP server header, directly or
     through the files it includes;
  d. src/main.cpp is wiring only: it includes app/, http/ and lambda/ and defines only main;
  e. app/ holds no state that threads share (no atomics, mutexes, condition variables, threads),
     except termination_signals, which starts the signal thread by design.
Prints each violation as file:line: rule: reason and exits 1 if any; otherwise one summary line.

Usage: check_include_rules.py [repository root]   (default: two folders above this script)
"""

import pathlib
import re
import sys

# Which rooms a room may include (besides itself). The order is the build's: a room links only
# rooms below it (CMakeLists.txt, tk_add_room), and check_layers_match_cmake() holds this table
# to those links, so that a header-only include cannot go where the link does not.
LAYERS = {
    "common": set(),
    "http": {"common"},
    "aws": {"common", "http"},  # http: the HttpClient interface only (rule c)
    "config": {"common", "http", "aws"},
    "kinesis": {"common", "http", "aws"},
    "lambda": {"common", "http"},
    # The pipeline is below the ingest: it knows records, not telemetry events nor the lifecycle.
    "pipeline": {"common", "http", "aws", "config", "kinesis"},
    "telemetry": {"common", "http", "aws", "config", "kinesis", "pipeline"},
    "app": {"common", "http", "aws", "config", "kinesis", "lambda", "pipeline", "telemetry"},
}

# The rooms that do no network I/O themselves: they speak HTTP through http/http_client.h's
# interface and are tested without sockets. (pipeline/spool's file I/O is allowed: a file is not
# a peer.)
PURE_CORE = ("common", "aws", "config", "kinesis", "pipeline")
# What the pure core must not reach, with why.
FORBIDDEN_IN_CORE = [
    (re.compile(r"^sys/socket\.h$"), "socket I/O belongs to http/ and telemetry/listener"),
    (re.compile(r"^netinet/"), "socket options and addresses belong to http/ and the listener"),
    (re.compile(r"^netdb\.h$"), "name resolution belongs to http/resolver"),
    (re.compile(r"^(sys/)?(epoll|poll|select)\.h$"), "polling belongs to the listener and http/"),
    (re.compile(r"^sys/eventfd\.h$"), "poll wake-ups belong to the listener"),
    (re.compile(r"^(cpp-)?httplib(\.h)?$|/httplib\.h$"), "cpp-httplib stays behind http::HttpClient"),
    (re.compile(r"^llhttp\.h$"), "the HTTP server's parser belongs to telemetry/"),
    (re.compile(r"^http/(httplib_http_client|resolver)\.h$"),
     "the HTTP implementation (sockets, TLS, DNS) is wired in by app/; the core takes the interface"),
]
# <arpa/inet.h> is not forbidden: inet_pton/inet_ntop parse and print addresses (config's proxy
# host, the credentials endpoint's loopback check) and open nothing.

# main.cpp includes only these rooms (system headers are free).
MAIN_ROOMS = {"app", "http", "lambda"}

# Threading in app/: the lifecycle composes rooms whose classes own their threads and locks.
THREAD_HEADERS = {"atomic", "mutex", "shared_mutex", "condition_variable", "thread", "future",
                  "semaphore", "latch", "barrier", "stop_token"}
THREAD_TYPES = re.compile(
    r"\bstd::(atomic\w*|mutex|recursive_mutex|timed_mutex|shared_mutex|condition_variable\w*|"
    r"thread|jthread|lock_guard|unique_lock|scoped_lock|shared_lock|promise|future|"
    r"counting_semaphore|binary_semaphore|latch|barrier)\b")
APP_THREAD_EXCEPTIONS = {
    "app/termination_signals.h": "starts the thread that waits for SIGTERM/SIGINT (sigwait)",
    "app/termination_signals.cpp": "starts the thread that waits for SIGTERM/SIGINT (sigwait)",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


class Include:
    def __init__(self, source, line, quoted, name):
        self.source = source  # path relative to src/, e.g. "pipeline/sender.h"
        self.line = line
        self.quoted = quoted
        self.name = name
        self.target = None  # the src/ file a quoted include names, when it names one


def room_of(path):
    """"pipeline/sender.h" -> "pipeline"; "main.cpp" -> None (not in a room)."""
    parts = path.split("/")
    return parts[0] if len(parts) > 1 else None


def strip_comments(text, blank_strings=False):
    """Removes // and /* */ comments, keeping line breaks (so line numbers hold). With
    blank_strings, string and character literals are blanked too (braces in them do not count)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum())):  # not 1'000
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + (" " * (j - i - 1) if blank_strings else text[i + 1:j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def read_sources(src):
    files = {}
    for path in sorted(src.rglob("*")):
        if path.suffix in (".h", ".cpp") and path.is_file():
            files[path.relative_to(src).as_posix()] = path.read_text(encoding="utf-8")
    return files


def parse_includes(files):
    includes = []
    for rel, text in files.items():
        # Comments dropped first: a commented-out include is not one.
        lines = strip_comments(text).split("\n")
        for number, line in enumerate(lines, 1):
            m = INCLUDE.match(line)
            if m:
                inc = Include(rel, number, m.group(1) == '"', m.group(2))
                if inc.quoted:
                    # As the compiler looks: beside the including file, then in src/ (the rooms'
                    # include directory).
                    beside = (pathlib.PurePosixPath(rel).parent / inc.name).as_posix()
                    for candidate in (beside, inc.name):
                        if candidate in files:
                            inc.target = candidate
                            break
                includes.append(inc)
    return includes


def cmake_room_links(cmake_text):
    """tk_add_room(name tk_a tk_b Other::Lib) -> {name: {a, b}}."""
    links = {}
    for m in re.finditer(r"^\s*tk_add_room\(\s*(\w+)([^)]*)\)", cmake_text, re.M):
        links[m.group(1)] = set(re.findall(r"\btk_(\w+)", m.group(2)))
    return links


def closure(links, room):
    seen, stack = set(), list(links.get(room, ()))
    while stack:
        r = stack.pop()
        if r not in seen:
            seen.add(r)
            stack.extend(links.get(r, ()))
    return seen


def strongly_connected(graph):
    """The strongly connected components of `graph` ({node: set of nodes}), Tarjan's way."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            nxt = next(successors, None)
            if nxt is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
            elif nxt not in index:
                index[nxt] = low[nxt] = len(index)
                stack.append(nxt)
                on_stack.add(nxt)
                work.append((nxt, iter(sorted(graph.get(nxt, ())))))
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
    return components


def cycles(graph):
    """One cycle [a, b, ..., a] per strongly connected component that has one."""
    found = []
    for component in strongly_connected(graph):
        start = min(component)
        if len(component) == 1 and start not in graph[start]:
            continue
        # Shortest way back to `start` inside the component (breadth first).
        previous = {start: None}
        queue = [start]
        while queue:
            node = queue.pop(0)
            if start in graph[node] and (node != start or len(component) == 1):
                path = [node]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                found.append(list(reversed(path)) + [start])
                break
            for nxt in sorted(graph[node]):
                if nxt in component and nxt not in previous:
                    previous[nxt] = node
                    queue.append(nxt)
    return found


class Checker:
    def __init__(self, root):
        self.root = root
        self.src = root / "src"
        self.violations = []

    def report(self, where, line, rule, reason):
        self.violations.append(f"src/{where}:{line}: {rule}: {reason}")

    def run(self):
        self.files = read_sources(self.src)
        self.includes = parse_includes(self.files)
        rooms = {room_of(f) for f in self.files} - {None}
        self.check_layers_match_cmake(rooms)
        self.check_resolved()
        self.check_cycles()
        self.check_layering()
        self.check_pure_core()
        self.check_main()
        self.check_app_threads()
        return rooms

    def check_layers_match_cmake(self, rooms):
        cmake = self.root / "CMakeLists.txt"
        links = cmake_room_links(cmake.read_text(encoding="utf-8"))
        for room in sorted(rooms):
            if room not in LAYERS:
                self.report(room + "/", 0, "layers",
                            f"room {room} has no row in LAYERS ({__file__}): say what it may include")
            if room not in links:
                self.report(room + "/", 0, "layers", f"room {room} has no tk_add_room in CMakeLists.txt")
        for room, allowed in sorted(LAYERS.items()):
            if room not in links:
                continue
            beyond = allowed - closure(links, room)
            if beyond:
                self.violations.append(
                    f"CMakeLists.txt:0: layers: LAYERS lets {room} include {sorted(beyond)}, which "
                    f"tk_add_room({room} ...) does not link: fix the table or the link")
        for cycle in cycles({r: LAYERS[r] & set(LAYERS) for r in LAYERS}):
            self.violations.append(f"{__file__}:0: layers: LAYERS has a cycle {' -> '.join(cycle)}")

    def check_resolved(self):
        for inc in self.includes:
            if inc.quoted and inc.target is None:
                self.report(inc.source, inc.line, "resolve",
                            f'"{inc.name}" names no file of src/: quoted includes are '
                            f'"room/file.h" of src/; system and third-party headers use <>')

    def check_cycles(self):
        file_graph = {f: set() for f in self.files}
        room_graph = {}
        room_edge_at = {}
        for inc in self.includes:
            if inc.target is None:
                continue
            file_graph[inc.source].add(inc.target)
            a, b = room_of(inc.source), room_of(inc.target)
            if a and b and a != b:
                room_graph.setdefault(a, set()).add(b)
                room_graph.setdefault(b, set())
                room_edge_at.setdefault((a, b), inc)
        for cycle in cycles(room_graph):
            steps = []
            for a, b in zip(cycle, cycle[1:]):
                inc = room_edge_at[(a, b)]
                steps.append(f"{a} -> {b} (src/{inc.source}:{inc.line})")
            first = room_edge_at[(cycle[0], cycle[1])]
            self.report(first.source, first.line, "room cycle",
                        "rooms include each other, so neither can be built or tested alone: " +
                        ", ".join(steps))
        for cycle in cycles(file_graph):
            self.report(cycle[0], 0, "file cycle",
                        "files include each other (#pragma once hides it until a declaration is "
                        "missing): " + " -> ".join(cycle))

    def check_layering(self):
        for inc in self.includes:
            if inc.target is None:
                continue
            a, b = room_of(inc.source), room_of(inc.target)
            if a is None or b is None or a == b or a not in LAYERS:
                continue  # main.cpp has a rule of its own (check_main)
            if b not in LAYERS[a]:
                why = ("the pipeline is below the ingest and the lifecycle"
                       if a == "pipeline" else f"{a} sits below {b} or beside it")
                self.report(inc.source, inc.line, "layering",
                            f'{a}/ may not include "{inc.name}": {why} '
                            f"({a} may include: {', '.join(sorted(LAYERS[a])) or 'nothing'})")

    def check_pure_core(self):
        by_source = {}
        for inc in self.includes:
            by_source.setdefault(inc.source, []).append(inc)

        def forbidden(name):
            return next((reason for pattern, reason in FORBIDDEN_IN_CORE if pattern.search(name)),
                        None)

        def reached_outside(start):
            """A chain from `start` (a file outside the core) to a forbidden header, or None."""
            chains, stack = {start: [start]}, [start]
            while stack:
                current = stack.pop()
                for inc in by_source.get(current, []):
                    reason = forbidden(inc.name)
                    if reason:
                        return chains[current] + [inc.name], reason
                    if inc.target and inc.target not in chains:
                        chains[inc.target] = chains[current] + [inc.target]
                        stack.append(inc.target)
            return None

        # Reported where the core reaches out: at a forbidden include of a core file, or at a core
        # file's include of a file of another room that leads to one (a core file that includes
        # another core file is reported there, once).
        for inc in self.includes:
            room = room_of(inc.source)
            if room not in PURE_CORE:
                continue
            reason = forbidden(inc.name)
            found = ([inc.name], reason) if reason else None
            if not found and inc.target and room_of(inc.target) not in PURE_CORE:
                found = reached_outside(inc.target)
            if found:
                chain, reason = found
                self.report(inc.source, inc.line, "pure core",
                            f"{room}/ reaches {' -> '.join(chain)}: {reason}")

    def check_main(self):
        main = "main.cpp"
        if main not in self.files:
            self.report(main, 0, "main", "src/main.cpp is missing")
            return
        for inc in self.includes:
            if inc.source == main and inc.quoted and room_of(inc.name) not in MAIN_ROOMS:
                self.report(main, inc.line, "main",
                            f'includes "{inc.name}": main.cpp wires app/ to the real HTTP client '
                            f"and the Lambda API; anything else is reached through app/")
        # Every brace opened at file scope must be main's body: a helper, a type or a namespace
        # belongs in a room, where it can be tested.
        text = strip_comments(self.files[main], blank_strings=True)
        depth = 0
        for pos, c in enumerate(text):
            if c == "{":
                if depth == 0:
                    head = text[max(0, text.rfind(";", 0, pos), text.rfind("}", 0, pos)) + 1:pos]
                    if not re.search(r"\bmain\s*\([^)]*\)(\s*noexcept)?$", head.strip()):
                        line = text.count("\n", 0, pos) + 1
                        self.report(main, line, "main",
                                    "a definition at file scope besides main(): main.cpp is "
                                    "wiring only, put it in a room (app/) where it can be tested")
                depth += 1
            elif c == "}":
                depth -= 1

    def check_app_threads(self):
        for rel, text in self.files.items():
            if room_of(rel) != "app" or rel in APP_THREAD_EXCEPTIONS:
                continue
            reason = ("app/ composes the rooms; state that threads share lives in the room that "
                      "owns the thread (pipeline/, telemetry/), as a class with its own tests")
            for inc in self.includes:
                if inc.source == rel and not inc.quoted and inc.name in THREAD_HEADERS:
                    self.report(rel, inc.line, "app threads", f"includes <{inc.name}>: {reason}")
            for number, line in enumerate(strip_comments(text, blank_strings=True).split("\n"), 1):
                m = THREAD_TYPES.search(line)
                if m:
                    self.report(rel, number, "app threads", f"uses {m.group(0)}: {reason}")


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                        pathlib.Path(__file__).resolve().parents[2])
    checker = Checker(root)
    rooms = checker.run()
    for violation in checker.violations:
        print(violation)
    if checker.violations:
        print(f"include rules: {len(checker.violations)} violation(s)")
        return 1
    quoted = sum(1 for inc in checker.includes if inc.quoted)
    print(f"include rules hold: {len(rooms)} rooms, {len(checker.files)} files, "
          f"{len(checker.includes)} includes ({quoted} of src/) checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
