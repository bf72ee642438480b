// The viewer served by `ldb serve` (GET /ui): a form to trace or debug a program (with
// examples to try), live progress while the debugger works, stored results (?result=ID) and
// jobs (?job=ID), and a failed request said in the page with what to do about it.
"use strict";

(function () {
  const viewer = window.ldbViewer;
  const params = new URLSearchParams(location.search);

  // A request the service refused or could not answer: its status (0: no answer at all), the
  // error's type and message, and for a 503 how many seconds to wait.
  class Failed extends Error {
    constructor(status, type, message, retryAfter) {
      super(message);
      this.status = status;
      this.type = type;
      this.retryAfter = retryAfter;
    }
  }

  function headers(json) {
    const token = sessionStorage.getItem("ldb-token");
    const found = json ? { "Content-Type": "application/json" } : {};
    if (token) found.Authorization = "Bearer " + token;
    return found;
  }

  async function send(path, init) {
    try {
      return await fetch(path, init);
    } catch (error) {
      throw new Failed(0, "unreachable", "the service cannot be reached (" + error.message + ")");
    }
  }

  async function failure(reply) {
    let error = {};
    try {
      error = (await reply.json()).error || {};
    } catch (_) {
      // Not the service's JSON (a proxy's page): the status says enough.
    }
    const wait = Number(reply.headers.get("Retry-After"));
    return new Failed(reply.status, error.type || "http_" + reply.status,
      error.message || reply.statusText, Number.isFinite(wait) && wait > 0 ? wait : null);
  }

  async function call(method, path, body) {
    const reply = await send(path, {
      method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!reply.ok) throw await failure(reply);
    return reply.json();
  }

  function say(text) {
    document.getElementById("summary").textContent = text;
  }

  // The error in the page, with its remedy: a token asked for (401), the wait counted down
  // before trying again (503), or trying again at once; `retry` repeats what failed.
  let countdown = null;
  function report(error, retry) {
    const box = document.getElementById("error");
    clearInterval(countdown);
    box.replaceChildren();
    box.hidden = false;
    const failed = error instanceof Failed ? error : new Failed(0, "error", String(error.message || error));
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = (failed.status ? failed.status + " " : "") + failed.type;
    const text = document.createElement("span");
    text.className = "message";
    text.textContent = failed.message;
    box.append(kind, text);
    if (failed.status === 401) {
      text.textContent = sessionStorage.getItem("ldb-token")
        ? "The token given was refused: enter the service's access token (LDB_AUTH_TOKEN)."
        : "This service needs its access token (LDB_AUTH_TOKEN).";
      const form = document.createElement("form");
      form.innerHTML = '<input name="token" type="password" aria-label="Access token" ' +
        'placeholder="token" autocomplete="off" required> <button type="submit">Use token</button>';
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        sessionStorage.setItem("ldb-token", form.elements.token.value);
        box.hidden = true;
        if (retry) retry();
      });
      box.appendChild(form);
      form.elements.token.focus();
      return;
    }
    if (failed.status === 413) {
      text.textContent = failed.message + ". Send a smaller program or test.";
    }
    // A refusal of the request itself (a 4xx) would only be refused again.
    if (!retry || (failed.status >= 400 && failed.status < 500)) return;
    const again = document.createElement("button");
    again.type = "button";
    again.textContent = "Try again";
    again.addEventListener("click", () => {
      clearInterval(countdown);
      box.hidden = true;
      retry();
    });
    box.appendChild(again);
    if (failed.retryAfter) {
      let left = failed.retryAfter;
      const wait = document.createElement("span");
      wait.className = "retry";
      const tick = () => {
        wait.textContent = left > 0 ? "(retry in " + left + " s)" : "";
        again.disabled = left > 0;
        if (left-- <= 0) clearInterval(countdown);
      };
      box.insertBefore(wait, again);
      tick();
      countdown = setInterval(tick, 1000);
    }
  }

  // Runs `action` with the form's buttons off (one run at a time), saying in the page what
  // went wrong, in place of what was under way; trying again runs it again.
  async function attempt(action) {
    const buttons = document.querySelectorAll("#input button[type=submit]");
    document.getElementById("error").hidden = true;
    buttons.forEach((button) => { button.disabled = true; });
    try {
      await action();
    } catch (error) {
      say("");
      document.getElementById("progress").textContent = "";
      report(error, () => attempt(action));
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
  }

  async function open(resultId) {
    say("drawing result " + resultId + " …");
    const data = await call("GET", "results/" + encodeURIComponent(resultId) + "/view");
    viewer.load(data);
    history.replaceState(null, "", "?result=" + encodeURIComponent(resultId));
    // A program or test that does not parse is to be mended: the form stays, filled with it.
    const first = data.views.length ? data.views[0].trace : null;
    const unparsed = first && /syntax_error$/.test(first.status);
    if (unparsed && data.inputs && data.inputs.code !== undefined) fill(data.inputs);
    fold(!unparsed);
  }

  // Once there is a result, the form folds into a "New run" button, which opens it again
  // filled with the inputs of the result shown.
  function fold(folded) {
    document.getElementById("input").hidden = folded;
    document.getElementById("new-run").hidden = !folded;
  }

  function fill(given) {
    const form = document.getElementById("input");
    form.elements.code.value = given.code || "";
    form.elements.test.value = Array.isArray(given.test) ? given.test.join("\n") : given.test || "";
    form.elements.task.value = given.task || "";
    form.elements.entry_point.value = given.entry_point || "";
  }

  function form() {
    const box = document.createElement("form");
    box.id = "input";
    box.innerHTML =
      '<label>Program <textarea name="code" rows="10" spellcheck="false" required ' +
      'placeholder="def second_largest(numbers): …"></textarea></label>' +
      '<label>Test <textarea name="test" rows="10" spellcheck="false" required ' +
      'placeholder="assert second_largest([3, 1, 4]) == 3"></textarea></label>' +
      '<label>Task (optional) <input name="task" placeholder="What the program must do"></label>' +
      '<label>Entry point (optional) <input name="entry_point" spellcheck="false" ' +
      'placeholder="The function a check(candidate) test calls"></label>' +
      '<div class="actions"><button type="submit" name="action" value="trace">Trace</button> ' +
      '<button type="submit" name="action" value="debug">Debug</button> ' +
      '<span id="progress" aria-live="polite"></span>' +
      '<select id="examples" aria-label="Try an example"><option value="">Try an example…</option></select></div>';
    box.addEventListener("submit", (event) => {
      event.preventDefault();
      const fields = new FormData(box);
      const request = { code: fields.get("code"), test: fields.get("test") };
      for (const optional of ["task", "entry_point"]) {
        if (fields.get(optional)) request[optional] = fields.get(optional);
      }
      const tracing = event.submitter && event.submitter.value === "trace";
      attempt(async () => {
        if (tracing) {
          const result = await call("POST", "trace", request);
          await open(result.id);
        } else {
          await debugStream(request);
        }
      });
    });
    return box;
  }

  async function examples() {
    const chooser = document.getElementById("examples");
    let bundled = [];
    try {
      bundled = await (await fetch("ui/examples.json")).json();
    } catch (_) {
      chooser.hidden = true;
      return;
    }
    for (const example of bundled) {
      const option = document.createElement("option");
      option.value = example.name;
      option.textContent = example.title + (example.fails ? "" : " (its test passes: trace it)");
      chooser.appendChild(option);
    }
    chooser.addEventListener("change", () => {
      const example = bundled.find((e) => e.name === chooser.value);
      if (example) fill(example);
      chooser.value = "";
    });
  }

  // Reads a server-sent event stream off a fetch reply, calling `onEvent(name, data)` for each.
  async function readEvents(reply, onEvent) {
    const reader = reply.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const chunk = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let name = "message", data = "";
        for (const line of chunk.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        if (data) onEvent(name, JSON.parse(data));
      }
    }
  }

  async function debugStream(request) {
    const progress = document.getElementById("progress");
    progress.textContent = "starting …";
    const reply = await send("debug/stream", { method: "POST", headers: headers(true), body: JSON.stringify(request) });
    if (!reply.ok) {
      progress.textContent = "";
      throw await failure(reply);
    }
    let resultId = null, problem = null;
    await readEvents(reply, (name, data) => {
      const round = data.iteration !== undefined ? "round " + (data.iteration + 1) + ": " : "";
      if (name === "done") resultId = data.id;
      if (name === "error") problem = new Failed(data.status || 0, data.type, data.message, null);
      progress.textContent = round + name + (data.status ? " (" + data.status + ")" : "");
    });
    if (problem) throw problem;
    if (resultId) await open(resultId);
  }

  async function showJob(jobId) {
    const job = await call("GET", "jobs/" + encodeURIComponent(jobId));
    say("job " + job.id + ": " + job.state + ", " + job.done + " of " + job.total + " done");
    const list = document.getElementById("case");
    list.replaceChildren(...job.items.map((item) => {
      const row = document.createElement("div");
      const link = document.createElement("a");
      link.href = "?result=" + encodeURIComponent(item.result_id || "");
      link.textContent = "#" + item.index + " " + item.status;
      row.appendChild(item.result_id ? link : document.createTextNode(link.textContent));
      if (item.message) row.appendChild(document.createTextNode(" · " + item.message));
      return row;
    }));
    return job;
  }

  // The job as it stands, then its events as they arrive: each stage of the request running,
  // and the list again whenever one finishes. The form is folded away: it is not what runs.
  async function follow(jobId) {
    fold(true);
    document.getElementById("intro").hidden = true;
    const job = await showJob(jobId);
    if (job.state !== "queued" && job.state !== "running") return;
    const progress = document.getElementById("job-progress");
    const reply = await send("jobs/" + encodeURIComponent(jobId) + "/events", { headers: headers(false) });
    if (!reply.ok) throw await failure(reply);
    await readEvents(reply, (name, data) => {
      const where = data.index !== undefined ? "request #" + data.index + ": " : "";
      progress.textContent = where + name + (data.status ? " (" + data.status + ")" : "");
      if (name === "item" || name === "done" || name === "cancelled") showJob(jobId);
    });
  }

  const newRun = document.createElement("button");
  newRun.type = "button";
  newRun.id = "new-run";
  newRun.textContent = "New run";
  newRun.hidden = true;
  newRun.addEventListener("click", () => {
    const shown = viewer.state.data && viewer.state.data.inputs;
    if (shown && shown.code !== undefined) fill(shown);
    fold(false);
    document.getElementById("input").elements.code.focus();
  });
  const heading = document.querySelector(".heading");
  heading.appendChild(newRun);
  const jobProgress = document.createElement("span");
  jobProgress.id = "job-progress";
  jobProgress.setAttribute("aria-live", "polite");
  document.getElementById("summary").after(jobProgress);
  heading.after(form());
  examples();
  if (params.get("result")) attempt(() => open(params.get("result")));
  else if (params.get("job")) attempt(() => follow(params.get("job")));
})();
