// ldb's trace viewer: draws the data the page carries (or a result it is given) with no
// library and no network. One view per program: its graphs, its trace, its verdicts; above
// them what the run was given; the graphs in a pane that pans and zooms.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const LINE = 16, PAD = 8;
  const page = { data: null, view: 0, step: 0, events: [] };
  const camera = { x: 0, y: 0, scale: 1 };
  const MIN_SCALE = 0.1, MAX_SCALE = 4, ZOOM_STEP = 1.25, PAN_STEP = 60;

  function el(tag, attrs, text) {
    const node = tag.startsWith("svg:")
      ? document.createElementNS(SVG, tag.slice(4))
      : document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function verdictOf(view, fn, block) {
    return view.verdicts.find((v) => v.function === fn && v.block === block && v.correct !== null)
      || view.verdicts.find((v) => v.function === fn && v.block === null && v.correct !== null);
  }

  function visitCounts(trace) {
    const blocks = new Map(), edges = new Map(), last = new Map();
    for (const e of (trace && trace.events) || []) {
      if (e.block === null) continue;
      const key = e.function + ":" + e.block;
      blocks.set(key, (blocks.get(key) || 0) + 1);
      const before = last.get(e.frame);
      if (before !== undefined) {
        const edge = e.function + ":" + before + ">" + e.block;
        edges.set(edge, (edges.get(edge) || 0) + 1);
      }
      last.set(e.frame, e.block);
    }
    for (const v of (trace && trace.visits) || []) {
      const key = v.function + ":" + v.block;
      blocks.set(key, Math.max(blocks.get(key) || 0, v.visits));
    }
    return { blocks, edges };
  }

  // The point halfway along a path: an edge's label sits beside it, not at a bend.
  function halfway(points) {
    const lengths = points.slice(1).map((p, i) => Math.hypot(p[0] - points[i][0], p[1] - points[i][1]));
    let left = lengths.reduce((a, b) => a + b, 0) / 2;
    for (let i = 0; i < lengths.length; i++) {
      if (left <= lengths[i] && lengths[i] > 0) {
        const t = left / lengths[i];
        return [points[i][0] + t * (points[i + 1][0] - points[i][0]),
                points[i][1] + t * (points[i + 1][1] - points[i][1])];
      }
      left -= lengths[i];
    }
    return points[points.length - 1];
  }

  function drawGraph(view, graph, counts) {
    const lay = graph.layout;
    const figure = el("figure", { "data-function": graph.qualname });
    figure.appendChild(el("h3", {}, graph.qualname + "  (line " + graph.start_line + ")"));
    const svg = el("svg:svg", {
      width: lay.width, height: lay.height + 4, viewBox: "0 0 " + lay.width + " " + (lay.height + 4),
      role: "img", "aria-label": "control-flow graph of " + graph.qualname,
    });
    const defs = el("svg:defs");
    const marker = el("svg:marker", {
      id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
      orient: "auto-start-reverse",
    });
    marker.appendChild(el("svg:path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow" }));
    defs.appendChild(marker);
    svg.appendChild(defs);
    for (const route of lay.routes) {
      const taken = counts.edges.get(graph.qualname + ":" + route.source + ">" + route.target);
      const points = route.points.map((p) => p.join(",")).join(" ");
      const line = el("svg:polyline", {
        points, class: "edge " + route.kind + (taken ? " taken" : ""), "marker-end": "url(#arrow)",
        "data-edge": route.source + ">" + route.target,
      });
      line.appendChild(el("svg:title", {}, route.kind + (taken ? ", taken " + taken + "×" : "")));
      svg.appendChild(line);
      if (taken) {
        const [x, y] = halfway(route.points);
        svg.appendChild(el("svg:text", {
          x: x + 4, y: y + 4, class: "edge-count", "data-edge": route.source + ">" + route.target,
        }, taken + "×"));
      }
    }
    const blocks = new Map(graph.blocks.map((b) => [b.id, b]));
    for (const box of lay.boxes) {
      const block = blocks.get(box.block);
      const visits = counts.blocks.get(graph.qualname + ":" + box.block) || 0;
      const verdict = verdictOf(view, graph.qualname, box.block);
      const classes = ["block"];
      if (visits) classes.push("ran");
      if (verdict) classes.push(verdict.correct ? "correct" : "incorrect");
      const group = el("svg:g", {
        class: classes.join(" "), tabindex: 0, "data-block": box.block,
        "data-function": graph.qualname, transform: "translate(" + box.x + "," + box.y + ")",
      });
      group.appendChild(el("svg:rect", { width: box.width, height: box.height, rx: 4 }));
      const lines = block.lines.length
        ? "lines " + block.lines[0] + (block.end_line > block.lines[0] ? "-" + block.end_line : "")
        : "exit";
      group.appendChild(el("svg:text", { x: PAD, y: LINE, class: "head" }, "[" + box.block + "] " + lines));
      if (visits) {
        group.appendChild(el("svg:text", {
          x: box.width - PAD, y: LINE, class: "visits", "text-anchor": "end",
        }, visits + "×"));
      }
      block.source.split("\n").forEach((text, i) => {
        group.appendChild(el("svg:text", { x: PAD, y: LINE * (i + 2) }, text));
      });
      const title = verdict ? (verdict.correct ? "✓ " : "✗ ") + verdict.explanation : "not judged";
      group.appendChild(el("svg:title", {}, title));
      group.addEventListener("click", () => showVerdict(view, graph.qualname, box.block));
      group.addEventListener("keydown", (event) => {
        if (event.key === "Enter") showVerdict(view, graph.qualname, box.block);
      });
      svg.appendChild(group);
    }
    figure.appendChild(svg);
    return figure;
  }

  function showVerdict(view, fn, blockId) {
    const box = document.getElementById("verdict");
    box.replaceChildren(el("h2", {}, "Block " + blockId + " of " + fn));
    const verdict = verdictOf(view, fn, blockId);
    if (!verdict) {
      box.appendChild(el("p", {}, "Not judged."));
      return;
    }
    box.appendChild(el("p", { class: verdict.correct ? "good" : "bad" },
      verdict.correct ? "✓ correct" : "✗ incorrect"));
    box.appendChild(el("p", {}, verdict.explanation));
  }

  function showCase(trace) {
    const box = document.getElementById("case");
    box.replaceChildren();
    if (!trace) return;
    const passed = trace.cases.filter((c) => c.status === "passed").length;
    box.appendChild(el("div", {}, trace.status + ": " + passed + " of " + trace.cases.length + " cases pass"));
    // Why a run ended before its cases (a syntax error, a timeout): the run's own words.
    if (trace.message && (!trace.cases.length || !["passed", "failed"].includes(trace.status))) {
      box.appendChild(el("div", { class: "actual message" }, trace.message));
    }
    if (trace.traced_case === null) return;
    const c = trace.cases[trace.traced_case];
    const mark = c.status === "passed" ? "✓ " : "✗ ";
    const written = document.getElementById("case-" + trace.traced_case);
    if (written) {
      // The case as the test has it, a link to it there.
      const link = el("a", { href: "#case-" + trace.traced_case, class: "case-link" }, mark + c.test);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        showWritten(written);
      });
      box.appendChild(el("div")).appendChild(link);
    } else {
      box.appendChild(el("div", {}, mark + c.test));
    }
    if (c.expected !== null) box.appendChild(el("div", { class: "expected" }, "expected " + c.expected));
    if (c.actual !== null) box.appendChild(el("div", { class: "actual" }, "actual   " + c.actual));
    if (c.error && c.expected === null) {
      box.appendChild(el("div", { class: "actual" }, c.error.type + ": " + c.error.message));
    }
  }

  function showWritten(written) {
    document.getElementById("inputs").open = true;
    document.querySelectorAll("#inputs .case.linked").forEach((n) => n.classList.remove("linked"));
    written.classList.add("linked");
    written.scrollIntoView({ block: "nearest" });
    written.focus({ preventScroll: true });
  }

  // What the run was given, above it: a program's code, its test with each case marked (its
  // status in `trace`, an anchor for the case's link), its task; a project's tests and files.
  function showInputs(given, trace) {
    const box = document.getElementById("inputs");
    const panes = box.querySelector(".panes");
    panes.replaceChildren();
    box.hidden = !given;
    if (!given) return;
    const pane = (title, ...content) => {
      const part = el("div", { class: "pane" });
      part.append(el("h3", {}, title), ...content);
      panes.appendChild(part);
    };
    if (given.code !== undefined) pane("Program", el("pre", { class: "code program" }, given.code));
    if (given.test !== undefined) pane("Test", testText(given.test, trace));
    if (given.task) pane("Task", el("pre", { class: "code task" }, given.task));
    if (given.entry_point) pane("Entry point", el("pre", { class: "code entry" }, given.entry_point));
    if (given.tests) pane("Tests", testList(given.tests, trace));
    if (given.files) pane("Files sent", list(given.files));
    box.querySelector("summary").textContent =
      given.code !== undefined ? "Program and test" : "Tests" + (given.files ? " and files" : "");
  }

  function list(items) {
    const shown = el("ul");
    for (const item of items) shown.appendChild(el("li", {}, item));
    return shown;
  }

  // A project's tests as asked for, each marked as the first case it selected (the traced
  // case, where it selected that: a file, a test and its parametrized cases select theirs)
  // and the traced case's link leading to it.
  function testList(tests, trace) {
    const shown = list(tests.length ? tests : ["all of the project's"]);
    const cases = (trace && trace.cases) || [];
    const traced = trace && trace.traced_case !== null ? trace.traced_case : -1;
    let linked = false;
    [...shown.children].forEach((item, position) => {
      const asked = tests[position];
      if (asked === undefined) return;
      const selects = (c) => c.test === asked || c.test.startsWith(asked + "[") || c.test.startsWith(asked + "::");
      const index = !linked && traced >= 0 && selects(cases[traced]) ? traced : cases.findIndex(selects);
      if (index < 0) return;
      if (index === traced) {
        linked = true;
        item.id = "case-" + index;
        item.tabIndex = -1;
      }
      item.className = "case " + cases[index].status;
    });
    return shown;
  }

  // The test, each case's text (found in order: the same assert twice is two cases) wrapped
  // in an element of its own.
  function testText(test, trace) {
    const text = Array.isArray(test) ? test.join("\n") : test;
    const shown = el("pre", { class: "code test" });
    let cursor = 0;
    ((trace && trace.cases) || []).forEach((c, index) => {
      const at = text.indexOf(c.test, cursor);
      if (at < 0) return;
      shown.append(text.slice(cursor, at));
      shown.appendChild(el("span", { id: "case-" + index, class: "case " + c.status, tabindex: -1 }, c.test));
      cursor = at + c.test.length;
    });
    shown.append(text.slice(cursor));
    return shown;
  }

  // The file of one part of a patch, from its `diff --git a/P b/P` line (P on both sides as
  // ldb writes it, so a path holding " b/" is still told apart).
  function patchedFile(line) {
    const rest = line.slice("diff --git a/".length);
    const path = rest.slice(0, (rest.length - 3) / 2);
    return rest === path + " b/" + path ? path : rest.slice(rest.lastIndexOf(" b/") + 3);
  }

  function showRepair(view) {
    const box = document.getElementById("repair");
    box.replaceChildren();
    if (!view.diff) return;
    box.appendChild(el("h2", {}, "Repair"));
    if (view.edit) box.appendChild(el("p", {}, view.edit));
    // A project's patch holds a part per file, each opened by `diff --git a/F b/F`: each is
    // shown under its file's name, its own headers left out.
    const parts = [];
    for (const line of view.diff.replace(/\n$/, "").split("\n")) {
      if (line.startsWith("diff --git a/")) parts.push({ file: patchedFile(line), lines: [] });
      else if (!parts.length) parts.push({ file: null, lines: [line] });
      else parts[parts.length - 1].lines.push(line);
    }
    for (const part of parts) {
      if (part.file !== null) {
        box.appendChild(el("h3", { class: "diff-file", "data-file": part.file }, part.file));
      }
      const pre = el("pre", { class: "diff" });
      // Before a part's first hunk: its headers; after it, a line's first character is its
      // kind (a removed line may well start with "---").
      let inHunks = false;
      for (const line of part.lines) {
        if (line.startsWith("@@")) inHunks = true;
        if (!inHunks && part.file !== null) continue;
        const kind = !inHunks ? "meta" : line.startsWith("@@") ? "hunk"
          : line.startsWith("+") ? "add" : line.startsWith("-") ? "del"
          : line.startsWith("\\") ? "meta" : "";
        pre.appendChild(el("span", { class: kind }, line + "\n"));
      }
      box.appendChild(pre);
    }
  }

  function stateAt(index) {
    const event = page.events[index];
    const previous = index > 0 ? page.events[index - 1] : null;
    const body = document.querySelector("#state tbody");
    body.replaceChildren();
    // The step controls, the state and the call stack only where there is a trace to step.
    document.getElementById("timeline").hidden = !event;
    document.getElementById("no-trace").hidden = !page.data || page.data.views[page.view].trace !== null;
    if (!event) {
      // A view without a trace (a project's final files) keeps nothing of the one before.
      document.getElementById("stack").replaceChildren();
      document.getElementById("position").textContent = "no trace";
      return;
    }
    for (const [name, value] of Object.entries(event.state)) {
      const changed = !previous || previous.frame !== event.frame || previous.state[name] !== value;
      const row = el("tr", { class: changed ? "changed" : "" });
      row.appendChild(el("td", {}, name));
      row.appendChild(el("td", {}, value));
      body.appendChild(row);
    }
    if (event.return !== undefined) {
      const row = el("tr", { class: "changed" });
      row.appendChild(el("td", {}, "returns"));
      row.appendChild(el("td", {}, event.return));
      body.appendChild(row);
    }
    if (event.exception !== undefined) {
      const row = el("tr", { class: "changed" });
      row.appendChild(el("td", {}, "raises"));
      row.appendChild(el("td", {}, event.exception));
      body.appendChild(row);
    }
    const frames = new Map();
    for (const e of page.events.slice(0, index + 1)) frames.set(e.frame, e);
    const stack = document.getElementById("stack");
    stack.replaceChildren();
    let frame = event;
    while (frame) {
      stack.appendChild(el("li", {}, frame.function + (frame.block === null ? " (called)" : " [" + frame.block + "]")));
      frame = frame.parent_frame === null ? null : frames.get(frame.parent_frame);
    }
    document.querySelectorAll(".block.current").forEach((n) => n.classList.remove("current"));
    if (event.block !== null) {
      const selector = '.block[data-function="' + CSS.escape(event.function) + '"][data-block="' + event.block + '"]';
      const node = document.querySelector(selector);
      if (node) {
        node.classList.add("current");
        reveal(node);
      }
    }
    document.getElementById("position").textContent =
      "step " + (index + 1) + " of " + page.events.length +
      " · " + event.function + (event.block === null ? " called" : " block " + event.block + " #" + event.visit);
  }

  function go(index) {
    if (!page.events.length) {
      stateAt(0);
      return;
    }
    page.step = Math.max(0, Math.min(page.events.length - 1, index));
    document.getElementById("step").value = page.step;
    stateAt(page.step);
  }

  function showView(index) {
    const view = page.data.views[index];
    page.view = index;
    page.events = (view.trace && view.trace.events) || [];
    document.querySelectorAll("#views button").forEach((b, i) => b.setAttribute("aria-current", i === index));
    const counts = visitCounts(view.trace);
    const canvas = document.getElementById("canvas");
    canvas.replaceChildren(...view.graphs.map((g) => drawGraph(view, g, counts)));
    showInputs(page.data.inputs, view.trace);
    showCase(view.trace);
    for (const note of view.notes || []) {
      document.getElementById("case").appendChild(el("div", { class: "note" }, "note: " + note));
    }
    showRepair(view);
    document.getElementById("verdict").replaceChildren();
    document.querySelector("main").classList.remove("empty");
    document.getElementById("zoom").hidden = !view.graphs.length;
    start();
    const slider = document.getElementById("step");
    slider.max = Math.max(0, page.events.length - 1);
    go(0);
  }

  // Pan and zoom: the canvas of drawings moved and scaled by one CSS transform, so they stay
  // sharp at every scale and keep their own coordinates. Positions are the pane's pixels.
  function pane() {
    return document.getElementById("graphs");
  }

  // The camera as it is, kept within bounds, applied to the canvas.
  function place() {
    clamp();
    const canvas = document.getElementById("canvas");
    canvas.style.transform = "translate(" + camera.x + "px," + camera.y + "px) scale(" + camera.scale + ")";
    document.getElementById("scale").textContent = Math.round(camera.scale * 100) + "%";
  }

  // The drawing's size at the camera's scale, and the pane's.
  function extent() {
    const canvas = document.getElementById("canvas"), shown = pane();
    return {
      width: canvas.offsetWidth * camera.scale, height: canvas.offsetHeight * camera.scale,
      room: [shown.clientWidth, shown.clientHeight],
    };
  }

  // Whether the drawing is larger than the pane across (x) and down (y): only there may it be
  // moved (else a wheel scrolls the page).
  function larger() {
    const { width, height, room } = extent();
    return [width > room[0], height > room[1]];
  }

  // Along each axis a drawing that fits stays wholly in the pane; a bigger one may be moved
  // until its edge comes a little way in, no further.
  const EDGE = 40;
  function clamp() {
    const { width, height, room } = extent();
    const within = (at, size, space) =>
      size <= space ? Math.min(space - size, Math.max(0, at)) : Math.min(EDGE, Math.max(space - size - EDGE, at));
    camera.x = within(camera.x, width, room[0]);
    camera.y = within(camera.y, height, room[1]);
    pane().classList.toggle("fits", !larger().some(Boolean));
  }

  // Whether the drawing moved: a wheel that cannot move it any further is left to the page.
  function moveBy(dx, dy) {
    const before = [camera.x, camera.y];
    camera.x += dx;
    camera.y += dy;
    place();
    return camera.x !== before[0] || camera.y !== before[1];
  }

  // Zooms about a point of the pane (the pointer; else the pane's centre), which stays put.
  function zoomTo(scale, at) {
    const shown = pane();
    const [px, py] = at || [shown.clientWidth / 2, shown.clientHeight / 2];
    const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
    camera.x = px - ((px - camera.x) * next) / camera.scale;
    camera.y = py - ((py - camera.y) * next) / camera.scale;
    camera.scale = next;
    place();
  }

  // The whole drawing in the pane, never larger than its actual size.
  function fit() {
    const canvas = document.getElementById("canvas"), shown = pane();
    const scale = Math.min(1, shown.clientWidth / canvas.offsetWidth, shown.clientHeight / canvas.offsetHeight);
    camera.scale = Math.max(MIN_SCALE, scale);
    camera.x = (shown.clientWidth - canvas.offsetWidth * camera.scale) / 2;
    camera.y = Math.max(0, (shown.clientHeight - canvas.offsetHeight * camera.scale) / 2);
    place();
  }

  // A view opens at its actual size, or smaller where that is wider than the pane (to half
  // size at most: smaller, the code cannot be read; "Fit" goes further), its top left in view
  // and the first function's entry block too.
  function start() {
    const canvas = document.getElementById("canvas"), shown = pane();
    camera.scale = Math.max(0.5, Math.min(1, shown.clientWidth / canvas.offsetWidth));
    camera.x = 0;
    camera.y = 0;
    place();
    const entry = canvas.querySelector('.block[data-block="0"]');
    if (!entry) return;
    // Moved left just enough to show the entry block whole and clear of the zoom buttons (its
    // left edge first, if it is wider than that), so the function's heading stays in view
    // where it can.
    const box = entry.getBoundingClientRect(), frame = shown.getBoundingClientRect();
    const buttons = document.getElementById("zoom").getBoundingClientRect();
    const room = box.top < buttons.bottom ? buttons.left : frame.right;
    const over = box.right - (room - PAD);
    if (over <= 0) return;
    camera.x -= Math.min(over, box.left - frame.left - PAD);
    place();
  }

  // The block of the current step (or of the keyboard's focus) kept in view: centred once it
  // is not wholly in the pane, or is under the zoom buttons.
  function reveal(node) {
    const shown = pane().getBoundingClientRect(), box = node.getBoundingClientRect();
    const buttons = document.getElementById("zoom").getBoundingClientRect();
    const margin = 16;
    const inside = box.left >= shown.left + margin && box.right <= shown.right - margin
      && box.top >= shown.top + margin && box.bottom <= shown.bottom - margin;
    const covered = box.right > buttons.left && box.left < buttons.right
      && box.bottom > buttons.top && box.top < buttons.bottom;
    if ((inside && !covered) || !shown.width || !shown.height) return;
    moveBy(shown.left + shown.width / 2 - (box.left + box.width / 2),
      shown.top + shown.height / 2 - (box.top + box.height / 2));
  }

  function at(event) {
    const shown = pane().getBoundingClientRect();
    return [event.clientX - shown.left, event.clientY - shown.top];
  }

  function panAndZoom() {
    const shown = pane();
    // A mouse wheel or a trackpad's two fingers move the drawing; with Ctrl (a trackpad's pinch
    // arrives so) or ⌘ they zoom about the pointer.
    shown.addEventListener("wheel", (event) => {
      if (!page.data) return;
      const unit = event.deltaMode === 1 ? LINE : event.deltaMode === 2 ? shown.clientHeight : 1;
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        zoomTo(camera.scale * Math.exp(-event.deltaY * unit * 0.002), at(event));
        return;
      }
      const [dx, dy] = event.shiftKey && !event.deltaX ? [event.deltaY, 0] : [event.deltaX, event.deltaY];
      const [across, down] = larger();
      if (moveBy(across ? -dx * unit : 0, down ? -dy * unit : 0)) event.preventDefault();
    }, { passive: false });
    // Pointers down on the pane: one drags the drawing (a mouse not from a block, where it
    // selects the block's text instead); two fingers pinch, zooming about their midpoint.
    const down = new Map();
    const pair = () => {
      const [a, b] = [...down.values()];
      return { gap: Math.hypot(a.x - b.x, a.y - b.y), x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    };
    shown.addEventListener("pointerdown", (event) => {
      if (!page.data || event.button !== 0 || event.target.closest("#zoom, #intro")) return;
      if (event.pointerType !== "touch" && event.target.closest(".block")) return;
      down.set(event.pointerId, { x: event.clientX, y: event.clientY });
      shown.setPointerCapture(event.pointerId);
      shown.classList.add("dragging");
    });
    shown.addEventListener("pointermove", (event) => {
      const last = down.get(event.pointerId);
      if (!last) return;
      if (down.size === 2) {
        const before = pair();
        [last.x, last.y] = [event.clientX, event.clientY];
        const after = pair(), frame = shown.getBoundingClientRect();
        zoomTo(camera.scale * (after.gap / Math.max(before.gap, 1)), [after.x - frame.left, after.y - frame.top]);
        moveBy(after.x - before.x, after.y - before.y);
        return;
      }
      moveBy(event.clientX - last.x, event.clientY - last.y);
      [last.x, last.y] = [event.clientX, event.clientY];
    });
    const end = (event) => {
      down.delete(event.pointerId);
      if (!down.size) shown.classList.remove("dragging");
    };
    shown.addEventListener("pointerup", end);
    shown.addEventListener("pointercancel", end);
    // A block reached with Tab is brought into view by the camera, not by scrolling the pane.
    document.getElementById("canvas").addEventListener("focusin", (event) => {
      const block = event.target.closest(".block");
      if (block) reveal(block);
    });
    document.getElementById("zoom-in").addEventListener("click", () => zoomTo(camera.scale * ZOOM_STEP));
    document.getElementById("zoom-out").addEventListener("click", () => zoomTo(camera.scale / ZOOM_STEP));
    document.getElementById("fit").addEventListener("click", fit);
    document.getElementById("actual-size").addEventListener("click", () => zoomTo(1));
  }

  const PANS = { ArrowLeft: [1, 0], ArrowRight: [-1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };

  // Keys: ← → step (with Shift the arrows move the drawing: a click that focuses the pane
  // must not change what they do), Home and End the first and last step, + − zoom, 0 actual
  // size, F fit.
  function keys(event) {
    if (event.target.closest("input:not([type=range]), textarea, select, [contenteditable]")) return;
    if (event.ctrlKey || event.metaKey || event.altKey || !page.data) return;
    const pan = PANS[event.key];
    if (pan && event.shiftKey) {
      moveBy(pan[0] * PAN_STEP, pan[1] * PAN_STEP);
    } else if (event.key === "ArrowLeft") go(page.step - 1);
    else if (event.key === "ArrowRight") go(page.step + 1);
    else if (event.key === "Home") go(0);
    else if (event.key === "End") go(page.events.length - 1);
    else if (event.key === "+" || event.key === "=") zoomTo(camera.scale * ZOOM_STEP);
    else if (event.key === "-" || event.key === "_") zoomTo(camera.scale / ZOOM_STEP);
    else if (event.key === "0") zoomTo(1);
    else if (event.key === "f" || event.key === "F") fit();
    else return;
    event.preventDefault();
  }

  // A debug run's status as such (a plausible repair set apart from a fix), why it is not
  // passed or fixed, and each doubt a check has about its repair.
  function showOutcome(summary) {
    const box = document.getElementById("outcome");
    box.replaceChildren();
    if (!summary.status) {
      box.removeAttribute("data-status");
      return;
    }
    box.setAttribute("data-status", summary.status);
    box.appendChild(el("span", { class: "status " + summary.status }, summary.status.toUpperCase()));
    if (summary.message) box.appendChild(el("span", { class: "message" }, summary.message));
    const doubts = summary.doubts || [];
    if (doubts.length) {
      const list = el("ul", { class: "doubts", "aria-label": "Why the repair is in doubt" });
      for (const doubt of doubts) list.appendChild(el("li", {}, doubt));
      box.appendChild(list);
    }
  }

  function load(data) {
    page.data = data;
    document.getElementById("error").hidden = true;
    document.getElementById("title").textContent = data.summary.title || "ldb";
    document.getElementById("summary").textContent = data.summary.line || "";
    showOutcome(data.summary);
    const nav = document.getElementById("views");
    nav.replaceChildren(...data.views.map((v, i) => {
      const button = el("button", { type: "button" }, v.title);
      button.addEventListener("click", () => showView(i));
      return button;
    }));
    if (data.views.length) showView(0);
  }

  document.getElementById("prev").addEventListener("click", () => go(page.step - 1));
  document.getElementById("next").addEventListener("click", () => go(page.step + 1));
  document.getElementById("step").addEventListener("input", (e) => go(Number(e.target.value)));
  document.addEventListener("keydown", keys);
  panAndZoom();

  window.ldbViewer = { load, go, fit, zoomTo, moveBy, state: page, camera };
  const embedded = JSON.parse(document.getElementById("data").textContent);
  if (embedded) load(embedded);
})();
