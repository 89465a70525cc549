/* The patient chat widget: plain DOM, no dependencies, no build step.
 *
 * All text goes in with textContent (never as HTML). The server proxies every message to the
 * bot; this file only renders what comes back. A question's progress note, its last line in
 * parentheses (in English "(About 12 questions left.)"), is taken out of the bot's text and
 * shown in the status line above the chat, so it is announced once and the messages stay short.
 *
 * This file holds no wording: the page renders it from the message catalog, in the page's
 * language, as JSON in the chat section's data-strings attribute (the Content-Security-Policy
 * forbids inline script), and t("web.…") looks it up.
 */
(function () {
  "use strict";

  const log = document.getElementById("chat-log");
  if (!log) return; // a page without the chat widget

  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const progress = document.getElementById("chat-progress");
  const typing = document.getElementById("chat-typing");
  const errorBox = document.getElementById("chat-error");
  const dialog = document.getElementById("delete-dialog");
  const strings = readStrings(document.getElementById("chat"));

  const OPENER = "hi"; // sent for the patient when a conversation is empty (never shown)
  // the progress note: a last line in parentheses (or full-width ones), whatever the language;
  // the bot writes it so (dialogue.question.with_progress: "%(question)s\n(%(progress)s)")
  const PROGRESS = /\s*\n[(\uff08]([^()\uff08\uff09\n]+)[)\uff09]\s*$/;
  let busy = false;

  function readStrings(element) {
    try {
      const found = JSON.parse((element && element.dataset.strings) || "{}");
      return found && typeof found === "object" ? found : {};
    } catch (ignored) {
      return {};
    }
  }

  /* The page's wording for a message id (the id itself if the page lacks it: a bug to see). */
  function t(id) {
    return typeof strings[id] === "string" ? strings[id] : id;
  }

  function csrfToken() {
    const found = document.cookie.split("; ").find(function (c) {
      return c.startsWith("csrftoken=");
    });
    return found ? decodeURIComponent(found.slice("csrftoken=".length)) : "";
  }

  async function call(method, url, body) {
    const options = { method: method, credentials: "same-origin", headers: {} };
    if (method === "POST") {
      options.headers["content-type"] = "application/json";
      options.headers["x-csrftoken"] = csrfToken();
      options.body = JSON.stringify(body || {});
    }
    try {
      const response = await fetch(url, options);
      let data = {};
      try {
        data = await response.json();
      } catch (ignored) {
        data = {};
      }
      if (!response.ok && !data.error) {
        data.error = response.status === 403 ? t("web.chat.reload") : t("web.chat.failed");
      }
      return { ok: response.ok, data: data };
    } catch (networkError) {
      return { ok: false, data: { error: t("web.chat.failed") } };
    }
  }

  function splitProgress(text) {
    const match = PROGRESS.exec(text);
    if (!match) return { text: text, progress: null };
    return { text: text.slice(0, match.index), progress: match[1].replace(/[.。]$/, "") };
  }

  /* The status element stays in the page (empty when there is nothing to say), so screen
     readers announce each change. */
  function showProgress(text) {
    progress.textContent = text || "";
  }

  function addMessage(from, text, buttons) {
    const item = document.createElement("div");
    item.className = "message " + (from === "bot" ? "from-bot" : "from-patient");
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = from === "bot" ? t("web.chat.from_bot") : t("web.chat.from_patient");
    const body = document.createElement("p");
    body.className = "message-text";
    body.textContent = text;
    body.prepend(who);
    item.appendChild(body);
    if (buttons && buttons.length) {
      const group = document.createElement("div");
      group.className = "quick-replies";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", t("web.chat.quick_replies"));
      buttons.forEach(function (button) {
        const element = document.createElement("button");
        element.type = "button";
        element.className = button.wide_only ? "quick-reply quick-reply--wide" : "quick-reply";
        element.textContent = button.title;
        element.addEventListener("click", function () {
          send(button.payload, { fromButton: true });
        });
        group.appendChild(element);
      });
      item.appendChild(group);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  /* Only the newest message's quick replies can be used; older ones stay disabled. */
  function setButtonsEnabled(enabled) {
    const scope = enabled ? log.lastElementChild : log;
    if (!scope) return;
    scope.querySelectorAll(".quick-reply").forEach(function (button) {
      button.disabled = !enabled;
    });
  }

  function showBotMessages(messages) {
    let step = null;
    messages.forEach(function (message) {
      const parts = splitProgress(message.text || "");
      if (parts.progress) step = parts.progress;
      const buttons = message.buttons || [];
      if (parts.text || buttons.length) addMessage("bot", parts.text, buttons);
    });
    showProgress(step);
  }

  function showError(text) {
    errorBox.textContent = text || "";
  }

  function waiting(on) {
    busy = on;
    typing.hidden = !on;
    if (on) log.scrollTop = log.scrollHeight;
  }

  /* Send one message (typed or a quick reply) through `url`; show it unless `silent`. */
  async function send(text, opts) {
    const options = opts || {};
    if (busy) return false;
    showError("");
    waiting(true);
    if (options.fromButton) log.focus({ preventScroll: true }); // the clicked button goes away
    setButtonsEnabled(false);
    const mine = options.silent ? null : addMessage("patient", text);
    const result = await call("POST", options.url || "/chat", { message: text });
    waiting(false);
    if (!result.ok) {
      if (mine) mine.remove();
      setButtonsEnabled(true);
      showError(result.data.error);
      return false;
    }
    showBotMessages(result.data.messages || []);
    return true;
  }

  async function resume() {
    waiting(true);
    const result = await call("GET", "/chat/history");
    waiting(false);
    if (!result.ok) {
      showError(result.data.error);
      return;
    }
    const lines = result.data.messages || [];
    if (!lines.length) {
      await send(OPENER, { silent: true });
      return;
    }
    lines.forEach(function (line, index) {
      if (index === 0 && line.from === "patient" && line.text === OPENER) return;
      const last = index === lines.length - 1;
      if (line.from === "bot") {
        const parts = splitProgress(line.text);
        addMessage("bot", parts.text, last ? result.data.buttons : []);
        if (last) showProgress(parts.progress);
      } else {
        addMessage("patient", line.text);
      }
    });
  }

  /* The box is a textarea so that a pasted lab report keeps its lines. Enter sends,
     Shift+Enter starts a new line; the box grows with its lines (up to 8). */
  function fitInput() {
    input.rows = Math.min(8, input.value.split("\n").length);
  }
  input.addEventListener("input", fitInput);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    fitInput();
    if (!(await send(text))) {
      input.value = text; // keep what they typed when it failed
      fitInput();
    }
  });

  document.getElementById("chat-restart").addEventListener("click", function () {
    send(t("web.chat.restart_message"), { url: "/chat/restart" });
  });

  document.getElementById("chat-delete").addEventListener("click", function () {
    dialog.showModal();
    document.getElementById("delete-cancel").focus();
  });

  document.getElementById("delete-cancel").addEventListener("click", function () {
    dialog.close();
  });

  document.getElementById("delete-confirm").addEventListener("click", async function () {
    dialog.close();
    if (busy) return;
    showError("");
    waiting(true);
    const result = await call("POST", "/chat/delete", {});
    waiting(false);
    if (!result.ok) {
      showError(result.data.error);
      return;
    }
    log.replaceChildren(); // the conversation is gone; a new one starts with the next message
    showBotMessages(result.data.messages || []);
  });

  resume();
})();
