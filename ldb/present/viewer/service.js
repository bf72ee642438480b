// The viewer served by `ldb serve` (GET /ui): a form to trace or debug a program, live
// progress while the debugger works, stored results (?result=ID) and jobs (?job=ID).
"use strict";

(function () {
  const viewer = window.ldbViewer;
  const params = new URLSearchParams(location.search);

  function headers(json) {
    const token = sessionStorage.getItem("ldb-token");
    const found = json ? { "Content-Type": "application/json" } : {};
    if (token) found.Authorization = "Bearer " + token;
    return found;
  }

  async function call(method, path, body) {
    const reply = await fetch(path, {
      method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (reply.status === 401) {
      const token = prompt("This service needs its token (LDB_AUTH_TOKEN):");
      if (token) {
        sessionStorage.setItem("ldb-token", token);
        return call(method, path, body);
      }
    }
    const data = await reply.json();
    if (!reply.ok) throw new Error(data.error ? data.error.type + ": " + data.error.message : reply.statusText);
    return data;
  }

  function say(text) {
    document.getElementById("summary").textContent = text;
  }

  async function open(resultId) {
    say("drawing result " + resultId + " …");
    viewer.load(await call("GET", "results/" + encodeURIComponent(resultId) + "/view"));
    history.replaceState(null, "", "?result=" + encodeURIComponent(resultId));
  }

  function form() {
    const box = document.createElement("form");
    box.id = "input";
    box.innerHTML =
      '<label>Program <textarea name="code" rows="10" spellcheck="false" required></textarea></label>' +
      '<label>Test <textarea name="test" rows="4" spellcheck="false" required></textarea></label>' +
      '<label>Task (optional) <input name="task"></label>' +
      '<div class="actions"><button type="submit" name="action" value="trace">Trace</button> ' +
      '<button type="submit" name="action" value="debug">Debug</button> ' +
      '<span id="progress" aria-live="polite"></span></div>';
    box.addEventListener("submit", async (event) => {
      event.preventDefault();
      const fields = new FormData(box);
      const request = { code: fields.get("code"), test: fields.get("test") };
      if (fields.get("task")) request.task = fields.get("task");
      try {
        if (event.submitter && event.submitter.value === "trace") {
          const result = await call("POST", "trace", request);
          await open(result.id);
        } else {
          await debugStream(request);
        }
      } catch (error) {
        say(String(error.message || error));
      }
    });
    return box;
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

  async function failure(reply) {
    const data = await reply.json();
    return new Error(data.error ? data.error.type + ": " + data.error.message : reply.statusText);
  }

  async function debugStream(request) {
    const progress = document.getElementById("progress");
    const reply = await fetch("debug/stream", { method: "POST", headers: headers(true), body: JSON.stringify(request) });
    if (!reply.ok) throw await failure(reply);
    let resultId = null, problem = null;
    await readEvents(reply, (name, data) => {
      const round = data.iteration !== undefined ? "round " + (data.iteration + 1) + ": " : "";
      if (name === "done") resultId = data.id;
      if (name === "error") problem = new Error(data.type + ": " + data.message);
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
  // and the list again whenever one finishes.
  async function follow(jobId) {
    const job = await showJob(jobId);
    if (job.state !== "queued" && job.state !== "running") return;
    const progress = document.getElementById("progress");
    const reply = await fetch("jobs/" + encodeURIComponent(jobId) + "/events", { headers: headers(false) });
    if (!reply.ok) throw await failure(reply);
    await readEvents(reply, (name, data) => {
      const where = data.index !== undefined ? "request #" + data.index + ": " : "";
      progress.textContent = where + name + (data.status ? " (" + data.status + ")" : "");
      if (name === "item" || name === "done" || name === "cancelled") showJob(jobId);
    });
  }

  document.querySelector("header").appendChild(form());
  if (params.get("result")) open(params.get("result")).catch((error) => say(String(error.message)));
  else if (params.get("job")) follow(params.get("job")).catch((error) => say(String(error.message)));
  else say("Paste a program and its test, then Trace or Debug.");
})();
