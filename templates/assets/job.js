// Follows a running job's log on its page: asks log.json for the rows after
// the last one shown, puts each in its step's fold, updates the folds'
// states, and reloads the page once the job is over so that it shows the
// final state. The server sends text and class names, never markup.
// A job no runner has taken yet has no log: the page looks every few
// seconds and reloads once the job moves on.
(() => {
  const el = document.getElementById("job-wait-follow");
  if (!el) return;
  async function look() {
    try {
      const res = await fetch(el.dataset.follow + "?from=0", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (res.status === 404 || res.status === 403) return;
      if (res.ok && (await res.json()).status !== el.dataset.status) {
        window.location.reload();
        return;
      }
    } catch (e) { /* try again */ }
    setTimeout(look, 3000);
  }
  setTimeout(look, 3000);
})();

(() => {
  const log = document.getElementById("job-log");
  if (!log || log.dataset.live !== "1") return;
  const url = log.dataset.follow;
  let next = Number(log.dataset.next);
  const pause = 2000;

  function atBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 8;
  }

  function rowElement(row) {
    const line = document.createElement("div");
    line.className = "log-line";
    const n = document.createElement("span");
    n.className = "ln";
    n.title = row.time;
    n.textContent = String(row.n);
    const text = document.createElement("span");
    text.className = "lt";
    for (const seg of row.seg || []) {
      if (seg.c) {
        const span = document.createElement("span");
        span.className = seg.c;
        span.textContent = seg.t;
        text.appendChild(span);
      } else {
        text.appendChild(document.createTextNode(seg.t));
      }
    }
    line.append(n, text);
    return line;
  }

  function updateSection(s) {
    const el = document.getElementById("log-section-" + s.i);
    if (!el) return;
    const mark = el.querySelector(".mark");
    mark.className = "mark state " + s.class;
    mark.textContent = s.mark;
    el.querySelector(".state-word").textContent = s.word;
    el.querySelector(".duration").textContent = s.duration;
    if (s.word === "running") el.open = true;
  }

  async function poll() {
    let answer;
    try {
      const res = await fetch(url + "?from=" + next, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (res.status === 404 || res.status === 403) return; // gone, or no longer ours to read
      if (!res.ok) throw new Error(String(res.status));
      answer = await res.json();
    } catch (e) {
      setTimeout(poll, 5 * pause);
      return;
    }
    const follow = atBottom();
    for (const s of answer.sections) updateSection(s);
    for (const row of answer.rows) {
      const box = document.querySelector("#log-section-" + row.s + " .log-rows");
      if (box) box.appendChild(rowElement(row));
    }
    next = answer.next;
    if (answer.truncated) document.getElementById("log-truncated").classList.remove("hidden");
    if (follow && answer.rows.length > 0) window.scrollTo(0, document.body.scrollHeight);
    if (answer.done && !answer.more) {
      window.location.reload(); // the page as it ends: the final states and times
      return;
    }
    setTimeout(poll, answer.more ? 0 : pause);
  }
  setTimeout(poll, pause);
})();
