// Archipelago dashboard: plain JavaScript over the public API (/api/builds, /api/workers).
// Everything that comes from the API is put on the page as text (textContent), never as HTML.
// The API needs a bearer token: the user enters it once per tab; it stays in sessionStorage only.
"use strict";

const TOKEN_KEY = "archipelago.apiToken";

const PLATFORM_CHOICES = ["linux/amd64", "linux/arm64", "linux/ppc64le", "linux/s390x"];
const FINAL_STATES = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);
const LANE_STEPS = [["QUEUED", "queued"], ["BUILDING", "building"], ["SUCCEEDED", "pushed"]];

let stopView = () => {};

// --- small helpers -------------------------------------------------------------------------

/** Creates an element: el("a", {href: "/", class: "x"}, "text", child). Strings become text nodes. */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.substring(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function badge(state) {
  return el("span", {class: "badge state-" + String(state).toLowerCase(), "data-state": state}, state);
}

function shortDigest(digest) {
  return digest ? digest.replace(/^sha256:/, "").substring(0, 12) : "";
}

function duration(from, to) {
  if (!from) return "";
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  if (!(ms >= 0)) return "";
  const s = Math.round(ms / 100) / 10;
  if (s < 60) return s.toFixed(1) + " s";
  const m = Math.floor(s / 60);
  return m + " min " + Math.round(s - m * 60) + " s";
}

function ago(instant) {
  if (!instant) return "never";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(instant)) / 1000));
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.floor(s / 60) + " min ago";
  return new Date(instant).toLocaleString();
}

function withToken(headers) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? {...headers, Authorization: "Bearer " + token} : headers;
}

async function failure(response) {
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
  let detail = json && (json.detail || json.title) ? (json.detail || json.title) : text || response.statusText;
  if (response.status === 401) detail = "Enter an API token at the top of the page (" + detail + ")";
  const error = new Error(detail);
  error.status = response.status;
  return error;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: withToken(body === undefined ? {Accept: "application/json"} : {Accept: "application/json", "Content-Type": "application/json"}),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/**
 * Follows a Server-Sent Events stream with fetch (EventSource cannot send a token): calls onEvent
 * with each event's JSON, then onEnd(error or null) when the stream ends. Returns a stop function.
 */
function streamEvents(path, onEvent, onEnd) {
  const controller = new AbortController();
  (async () => {
    try {
      const response = await fetch(path, {headers: withToken({Accept: "text/event-stream"}), signal: controller.signal});
      if (!response.ok) throw await failure(response);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buffer = (buffer + value).replace(/\r\n/g, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.substring(0, end);
          buffer = buffer.substring(end + 2);
          const data = block.split("\n").filter(line => line.startsWith("data:"))
            .map(line => line.substring(5).replace(/^ /, "")).join("\n");
          if (data) onEvent(JSON.parse(data));
        }
      }
      onEnd(null);
    } catch (e) {
      if (e.name !== "AbortError") onEnd(e);
    }
  })();
  return () => controller.abort();
}

function problemBox(id) {
  return el("div", {class: "problem", id, role: "alert", hidden: true});
}

function showProblem(box, message) {
  box.textContent = message;
  box.hidden = !message;
}

function copyButton(text, label) {
  const button = el("button", {type: "button", class: "copy", title: "Copy " + text}, label || "Copy");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch (e) {
      button.textContent = "Select and copy";
    }
    setTimeout(() => { button.textContent = label || "Copy"; }, 1500);
  });
  return button;
}

// --- routing -----------------------------------------------------------------------------

function route() {
  stopView();
  stopView = () => {};
  const view = document.getElementById("view");
  view.replaceChildren();
  const path = location.pathname;
  for (const link of document.querySelectorAll("nav a")) link.classList.remove("current");
  let match;
  if (path === "/" || path === "") {
    document.getElementById("nav-builds").classList.add("current");
    stopView = buildsPage(view);
  } else if ((match = path.match(/^\/builds\/([0-9a-fA-F-]+)$/))) {
    document.getElementById("nav-builds").classList.add("current");
    stopView = buildPage(view, match[1]);
  } else if (path === "/workers") {
    document.getElementById("nav-workers").classList.add("current");
    stopView = workersPage(view);
  } else if (path === "/submit") {
    document.getElementById("nav-submit").classList.add("current");
    stopView = submitPage(view);
  } else {
    view.append(el("p", {}, "No such page. ", el("a", {href: "/", "data-nav": true}, "See the builds.")));
  }
}

function navigate(path) {
  history.pushState(null, "", path);
  route();
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-nav]");
  if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.button === 0) {
    event.preventDefault();
    navigate(link.getAttribute("href"));
  }
});
window.addEventListener("popstate", route);

function showTokenState() {
  const input = document.getElementById("token");
  input.value = "";
  input.placeholder = sessionStorage.getItem(TOKEN_KEY) ? "API token set" : "API token";
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = document.getElementById("token").value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
    showTokenState();
    route();
  });
  showTokenState();
  route();
});

/** Runs load now and every `millis`, until the returned function is called. */
function every(millis, load) {
  let stopped = false;
  let timer = null;
  const tick = async () => {
    try { await load(); } finally { if (!stopped) timer = setTimeout(tick, millis); }
  };
  tick();
  return () => { stopped = true; clearTimeout(timer); };
}

// --- builds ------------------------------------------------------------------------------

function buildsPage(view) {
  const filter = el("select", {id: "state-filter", "aria-label": "Show builds in state"},
    el("option", {value: ""}, "all states"),
    ["QUEUED", "BUILDING", "ASSEMBLING", "SUCCEEDED", "FAILED", "CANCELLED"].map(s => el("option", {value: s}, s)));
  const body = el("tbody", {id: "builds"});
  const problem = problemBox("builds-problem");
  view.append(
    el("div", {class: "title-row"}, el("h1", {}, "Builds"), filter),
    problem,
    el("table", {class: "list"},
      el("thead", {}, el("tr", {}, ["State", "Image", "Platforms", "Commit", "Created", "Duration"].map(h => el("th", {}, h)))),
      body));
  const load = async () => {
    try {
      const query = filter.value ? "?limit=50&state=" + encodeURIComponent(filter.value) : "?limit=50";
      const builds = await api("GET", "/api/builds" + query);
      showProblem(problem, "");
      body.replaceChildren(...builds.map(buildRow));
      if (builds.length === 0) {
        body.append(el("tr", {}, el("td", {colspan: 6, class: "empty"}, "No builds yet. ",
          el("a", {href: "/submit", "data-nav": true}, "Start one."))));
      }
    } catch (e) {
      showProblem(problem, "Could not load the builds: " + e.message);
    }
  };
  const stop = every(2000, load);
  filter.addEventListener("change", load);
  return stop;
}

function buildRow(build) {
  const link = el("a", {href: "/builds/" + build.id, "data-nav": true, class: "build-link"},
    build.image.repository + ":" + build.image.tag);
  return el("tr", {"data-build": build.id},
    el("td", {}, badge(build.state)),
    el("td", {}, link),
    el("td", {}, build.platforms.map(p => el("span", {class: "chip state-" + p.state.toLowerCase(), title: p.state}, p.platform))),
    el("td", {class: "mono"}, build.commit ? build.commit.substring(0, 8)
      : build.source.bundle ? "context " + build.source.bundle.split("@sha256:")[1].substring(0, 8) : ""),
    el("td", {}, ago(build.createdAt)),
    el("td", {}, duration(build.createdAt, build.finishedAt)));
}

// --- one build ---------------------------------------------------------------------------

function buildPage(view, id) {
  const problem = problemBox("build-problem");
  const content = el("div", {id: "build"}, el("p", {class: "muted"}, "Loading build " + id + " ..."));
  view.append(problem, content);
  let current = null;
  let source = null;

  const render = (build) => {
    current = build;
    content.replaceChildren(...buildDetails(build, {
      retry: () => act("retry"),
      cancel: () => act("cancel"),
    }));
  };
  const act = async (action) => {
    try {
      render(await api("POST", "/api/builds/" + id + "/" + action));
      showProblem(problem, "");
      if (action === "retry") listen();
    } catch (e) {
      showProblem(problem, "Could not " + action + " the build: " + e.message);
    }
  };
  const listen = () => {
    if (source) source();
    source = streamEvents("/api/builds/" + id + "/events", (build) => {
      showProblem(problem, "");
      render(build);
    }, (error) => {
      // the server ends the stream after the final state; otherwise show where the build is now
      source = null;
      if (current && FINAL_STATES.has(current.state)) return;
      api("GET", "/api/builds/" + id).then(render).catch(e => showProblem(problem, error ? error.message : e.message));
    });
  };
  api("GET", "/api/builds/" + id)
    .then(build => { render(build); if (!FINAL_STATES.has(build.state)) listen(); })
    .catch(e => { content.replaceChildren(); showProblem(problem, e.message); });
  // elapsed times of running lanes move on between events: only their text changes
  const ticker = setInterval(() => {
    for (const node of content.querySelectorAll("[data-running-since]")) {
      node.textContent = duration(node.getAttribute("data-running-since"), null);
    }
  }, 1000);
  return () => { clearInterval(ticker); if (source) source(); };
}

function buildDetails(build, actions) {
  const final = FINAL_STATES.has(build.state);
  const head = el("div", {class: "title-row"},
    el("h1", {}, build.image.repository + ":" + build.image.tag),
    badge(build.state),
    el("span", {class: "actions"},
      el("button", {type: "button", id: "retry", disabled: build.state !== "FAILED", onclick: actions.retry,
        title: "Build again the platforms that did not succeed"}, "Retry failed platforms"),
      el("button", {type: "button", id: "cancel", disabled: final, onclick: actions.cancel, class: "danger"}, "Cancel")));
  const facts = el("dl", {class: "facts"},
    el("dt", {}, "Source"), el("dd", {class: "mono"}, build.source.bundle
      ? build.source.bundle + " (a directory pushed by the CLI)" : build.source.git + " @ " + build.source.ref),
    el("dt", {}, "Commit"), el("dd", {class: "mono", id: "commit"}, build.commit || (build.source.bundle ? "none: not from git" : "")),
    el("dt", {}, "Attempt"), el("dd", {id: "attempt"}, String(build.attempt)),
    el("dt", {}, "Created"), el("dd", {}, new Date(build.createdAt).toLocaleString()),
    el("dt", {}, "Duration"), el("dd", {id: "duration", "data-running-since": build.finishedAt ? null : build.createdAt},
      duration(build.createdAt, build.finishedAt)));
  const parts = [head, facts];
  if (build.error) {
    parts.push(el("p", {class: "problem", id: "build-error"}, build.error.code + ": " + build.error.message));
  }
  parts.push(el("h2", {}, "Platforms"), el("div", {class: "lanes"}, build.platforms.map(lane)));
  parts.push(el("h2", {}, "Image index"), indexSection(build));
  return parts;
}

function lane(platform) {
  const rank = {QUEUED: 0, BUILDING: 1, SUCCEEDED: 2, FAILED: 2, CANCELLED: 2}[platform.state];
  const steps = LANE_STEPS.map(([state, label], i) => {
    let status = i < rank ? "done" : i === rank ? "now" : "todo";
    if (i === 2 && platform.state === "SUCCEEDED") status = "done";
    if (i === 2 && (platform.state === "FAILED" || platform.state === "CANCELLED")) {
      return el("li", {class: "step failed"}, platform.state.toLowerCase());
    }
    return el("li", {class: "step " + status}, label);
  });
  const details = el("dl", {class: "lane-facts"},
    el("dt", {}, "Worker"), el("dd", {}, platform.worker || "not yet"),
    el("dt", {}, "Emulated"), el("dd", {}, platform.emulated ? "yes (QEMU)" : "no"),
    platform.reused ? el("dt", {}, "Reused") : null,
    platform.reused ? el("dd", {class: "reused-from"}, "built nothing: same inputs as build ",
      el("a", {href: "/builds/" + platform.reusedFrom, "data-nav": true, class: "mono"}, platform.reusedFrom)) : null,
    el("dt", {}, "Elapsed"), el("dd", {class: "elapsed", "data-running-since": platform.startedAt && !platform.finishedAt ? platform.startedAt : null},
      duration(platform.startedAt, platform.finishedAt)),
    el("dt", {}, "Image"), el("dd", {class: "mono"}, platform.image),
    el("dt", {}, "Digest"), el("dd", {class: "mono digest", title: platform.digest || ""}, platform.digest ? shortDigest(platform.digest) : FINAL_STATES.has(platform.state) ? "none" : "not yet"));
  const section = el("section", {class: "lane", "data-platform": platform.platform, "data-state": platform.state},
    el("div", {class: "lane-head"}, el("strong", {}, platform.platform), badge(platform.state),
      platform.emulated ? el("span", {class: "chip"}, "emulated") : null,
      platform.reused ? el("span", {class: "chip reused"}, "reused") : null),
    el("ol", {class: "steps"}, steps),
    details);
  if (platform.error) {
    const tail = platform.error.logTail && platform.error.logTail.length
      ? el("pre", {class: "log-tail"}, platform.error.logTail.join("\n")) : null;
    section.append(el("div", {class: "lane-error"},
      el("p", {}, el("strong", {class: "error-code"}, platform.error.code), " ", el("span", {class: "error-message"}, platform.error.message)),
      tail));
    if (tail) requestAnimationFrame(() => { tail.scrollTop = tail.scrollHeight; }); // the failing step is at the end
  }
  return section;
}

function indexSection(build) {
  const index = build.index || {};
  if (!index.digest) {
    const waiting = FINAL_STATES.has(build.state) ? "No index was pushed." : "Pushed when every platform has succeeded.";
    return el("div", {class: "index", id: "index"}, el("p", {class: "muted"}, waiting),
      el("p", {}, "Tags: ", (index.tags || []).map(t => el("span", {class: "chip mono"}, t))));
  }
  return el("div", {class: "index", id: "index"},
    el("dl", {class: "facts"},
      el("dt", {}, "Digest"), el("dd", {class: "mono", id: "index-digest"}, index.digest),
      el("dt", {}, "Media type"), el("dd", {class: "mono"}, index.mediaType || ""),
      el("dt", {}, "Tags"), el("dd", {}, (index.tags || []).map(t => el("span", {class: "chip mono"}, t)))),
    el("div", {class: "pull"},
      el("code", {id: "pull-reference"}, "podman pull " + index.reference),
      copyButton("podman pull " + index.reference, "Copy")),
    attestationsTable(index));
}

const ATTESTATION_KINDS = {PROVENANCE: "SLSA provenance", SBOM: "CycloneDX SBOM", SIGNATURE: "cosign signature"};

// what the assembler attached beside the images (never inside the index): one row each, with its digest
function attestationsTable(index) {
  const attestations = index.attestations || [];
  const warnings = (index.warnings || []).map(w => el("li", {class: "warning"}, w));
  if (attestations.length === 0) {
    return el("div", {class: "attestations", id: "attestations"},
      el("p", {class: "muted"}, "Nothing attached beside this index (no provenance, SBOM or signature)."),
      warnings.length ? el("ul", {class: "warnings"}, warnings) : null);
  }
  return el("div", {class: "attestations", id: "attestations"},
    el("h3", {}, "Attestations and signatures"),
    el("table", {class: "list"},
      el("thead", {}, el("tr", {}, ["Kind", "Of", "Artifact", "Tag"].map(h => el("th", {}, h)))),
      el("tbody", {}, attestations.map(a => el("tr", {"data-kind": a.kind, "data-platform": a.platform || "index"},
        el("td", {}, ATTESTATION_KINDS[a.kind] || a.kind),
        el("td", {}, a.platform || "index"),
        el("td", {class: "mono digest", title: a.digest}, shortDigest(a.digest)),
        el("td", {class: "mono"}, a.tag))))),
    warnings.length ? el("ul", {class: "warnings"}, warnings) : null);
}

// --- workers -----------------------------------------------------------------------------

function workersPage(view) {
  const body = el("tbody", {id: "workers"});
  const problem = problemBox("workers-problem");
  view.append(el("h1", {}, "Workers"), problem,
    el("table", {class: "list"},
      el("thead", {}, el("tr", {}, ["Worker", "Platform", "Emulated", "Executor", "Capacity", "In flight", "Last seen", "Status"]
        .map(h => el("th", {}, h)))),
      body));
  return every(3000, async () => {
    try {
      const workers = await api("GET", "/api/workers");
      showProblem(problem, "");
      body.replaceChildren(...workers.map(w => el("tr", {"data-worker": w.workerId},
        el("td", {class: "mono"}, w.workerId),
        el("td", {}, w.platform),
        el("td", {}, w.emulated ? "yes" : "no"),
        el("td", {}, w.executor || ""),
        el("td", {}, String(w.capacity)),
        el("td", {}, String(w.inFlight)),
        el("td", {}, ago(w.lastSeen)),
        el("td", {}, el("span", {class: "badge " + (w.live ? "state-succeeded" : "state-failed")}, w.live ? "live" : "stale")))));
      if (workers.length === 0) {
        body.append(el("tr", {}, el("td", {colspan: 8, class: "empty"}, "No worker has sent a heartbeat yet.")));
      }
    } catch (e) {
      showProblem(problem, "Could not load the workers: " + e.message);
    }
  });
}

// --- submit ------------------------------------------------------------------------------

function field(label, input, hint) {
  return el("label", {class: "field"}, el("span", {class: "label"}, label), input, hint ? el("small", {}, hint) : null);
}

function submitPage(view) {
  const input = (name, attributes) => el("input", Object.assign({name, id: "f-" + name}, attributes || {}));
  const git = input("git", {required: true, placeholder: "https://gitlab.example.com/group/app.git", type: "text"});
  const ref = input("ref", {value: "main"});
  const contextDir = input("contextDir", {placeholder: "."});
  const dockerfile = input("dockerfile", {placeholder: "Dockerfile"});
  const repository = input("repository", {required: true, placeholder: "quay.io/org/app"});
  const tag = input("tag", {required: true, placeholder: "v1.2.0"});
  const indexTags = input("indexTags", {placeholder: "latest, v1.2"});
  const platforms = PLATFORM_CHOICES.map(p => el("label", {class: "check"},
    el("input", {type: "checkbox", name: "platform", value: p, checked: p === "linux/amd64" || p === "linux/ppc64le"}), p));
  const allowEmulation = el("input", {type: "checkbox", name: "allowEmulation", id: "f-allowEmulation"});
  const allowPartial = el("input", {type: "checkbox", name: "allowPartial", id: "f-allowPartial"});
  const buildArgs = el("textarea", {name: "buildArgs", id: "f-buildArgs", rows: 3, placeholder: "KEY=value, one per line"});
  const timeout = input("timeoutSeconds", {type: "number", min: 60, max: 86400, placeholder: "1800"});
  const problem = problemBox("submit-problem");
  const submit = el("button", {type: "submit", id: "submit", class: "primary"}, "Build");

  const form = el("form", {id: "submit-form", novalidate: true},
    el("fieldset", {}, el("legend", {}, "Source"), field("Git URL", git), field("Ref", ref, "branch, tag or commit; pinned to a commit when accepted"),
      field("Context directory", contextDir), field("Dockerfile", dockerfile)),
    el("fieldset", {}, el("legend", {}, "Image"), field("Repository", repository), field("Tag", tag, "each platform is pushed as <tag>-<arch>, the index as <tag>"),
      field("More index tags", indexTags, "comma-separated")),
    el("fieldset", {}, el("legend", {}, "Platforms"), el("div", {class: "checks"}, platforms),
      el("label", {class: "check"}, allowEmulation, "allow emulation (QEMU) where no native worker is live"),
      el("label", {class: "check"}, allowPartial, "push the index with the platforms that succeeded")),
    el("fieldset", {}, el("legend", {}, "Options"), field("Build arguments", buildArgs), field("Timeout (seconds)", timeout)),
    problem, submit);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const request = {
      source: {git: git.value.trim(), ref: ref.value.trim() || undefined,
        contextDir: contextDir.value.trim() || undefined, dockerfile: dockerfile.value.trim() || undefined},
      image: {repository: repository.value.trim(), tag: tag.value.trim()},
      platforms: platforms.map(l => l.querySelector("input")).filter(i => i.checked).map(i => i.value),
      allowEmulation: allowEmulation.checked,
      allowPartial: allowPartial.checked,
    };
    const tags = indexTags.value.split(",").map(t => t.trim()).filter(t => t);
    if (tags.length) request.image.indexTags = [request.image.tag, ...tags];
    const args = buildArgs.value.split("\n").map(l => l.trim()).filter(l => l);
    if (args.length) {
      request.buildArgs = {};
      for (const line of args) {
        const at = line.indexOf("=");
        request.buildArgs[at < 0 ? line : line.substring(0, at)] = at < 0 ? "" : line.substring(at + 1);
      }
    }
    if (timeout.value.trim()) request.timeoutSeconds = Number(timeout.value);
    submit.disabled = true;
    try {
      const build = await api("POST", "/api/builds", request);
      navigate("/builds/" + build.id);
    } catch (e) {
      showProblem(problem, e.message);
    } finally {
      submit.disabled = false;
    }
  });
  view.append(el("h1", {}, "New build"), form);
  git.focus();
  return () => {};
}
