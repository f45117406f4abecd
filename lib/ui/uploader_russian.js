// Streamlit 1.67's file uploader in Russian (issue 27). Its frontend has fixed English texts and no locale:
// FileUploader.*.js (the «Upload» button, «Drag and drop a file here» while a file is dragged over) and the file chips
// of utils.*.js (the size «12.3KB», «Error: application/pdf files are not allowed.», «Remove …», «Click to retry
// upload»). Sent by lib/ui/shell.russian_chrome on every page: an observer of the document rewrites those texts and
// labels as React draws them, before the browser paints. Only exact English phrases are rewritten, and the sizes only
// inside an uploader; everything else passes untouched. tests/test_uploader_russian.py runs ``russian`` in node;
// tests/e2e/test_uploader_russian.py checks the uploader in Chromium.
// No «<» before a letter, «/» or «!» anywhere in this file: st.html passes it through DOMPurify, which drops a script
// whose text looks like markup.
(() => {
  const UNITS = {B: "Б", KB: "КБ", MB: "МБ", GB: "ГБ", TB: "ТБ"};
  const SIZE = /(\d+)(?:\.(\d+))?(TB|GB|MB|KB|B)$/;
  // «12.3KB» → «12,3 КБ» (Streamlit's own figure: one decimal; 1000 bytes a kilobyte, 1024 on Windows)
  const size = (text) => text.replace(SIZE, (_, whole, part, unit) => `${whole}${part ? "," + part : ""} ${UNITS[unit]}`);
  const MESSAGES = [
    [/^Upload$/, () => "Выбрать файл"],
    [/^Upload directories$/, () => "Выбрать папку"],
    [/^Drag and drop a file here$/, () => "Перетащите файл сюда"],
    [/^Drag and drop files here$/, () => "Перетащите файлы сюда"],
    [/^Drag and drop directories here$/, () => "Перетащите папки сюда"],
    [/^Error: $/, () => ""],  // the chip is red with a warning sign; the reason follows
    [/^(?:Error: )?.* files are not allowed\.$/, (m, kinds) => kinds ? `Файл другого типа: здесь принимается только ${kinds}.`
      : "Файл такого типа здесь не принимается: нужный формат указан в подписи поля."],
    [/^(?:Error: )?File must be (.+) or smaller\.$/, (m) => `Файл больше допустимого: можно не больше ${size(m[1])}.`],
    [/^(?:Error: )?File size is too small\.$/, () => "Файл слишком мал."],
    [/^(?:Error: )?Only one file is allowed\.$/, () => "Можно выбрать только один файл."],
    [/^(?:Error: )?Unexpected error\. Please try again\.$/, () => "Непредвиденная ошибка. Попробуйте ещё раз."],
    [/^Upload failed$/, () => "Файл не загрузился."],
    [/^add icon$/, () => "выбрать другой файл"],
  ];
  const LABELS = {  // by attribute: a file's name is in a title and in labels, and is never rewritten
    "aria-label": [
      [/^Remove (.*)$/s, (m) => `Убрать файл ${m[1]}`],
      [/^Cancel upload of (.*)$/s, (m) => `Остановить загрузку файла ${m[1]}`],
      [/^Add files$/, () => "Выбрать другой файл"],
      [/^file upload$/, () => "Выбор файла"],
      [/^(.*, )(\d+(?:\.\d+)?(?:TB|GB|MB|KB|B))$/s, (m) => m[1] + size(m[2])],  // a chip: «name, 12.3KB»
    ],
    "title": [[/^Click to retry upload$/, () => "Нажмите, чтобы загрузить файл снова"]],
  };

  // What a text of the uploader reads in Russian; null when it is not one of Streamlit's English texts.
  // ``inUploader``: the text is inside an uploader (a size alone, «12.3KB», is translated only there);
  // ``attribute``: the text is this attribute's value (an aria-label read by screen readers, a title shown on hover);
  // ``kinds``: the file types the uploader takes («.xlsx»), when known.
  const russian = (text, inUploader, attribute = null, kinds = "") => {
    for (const [pattern, say] of attribute ? LABELS[attribute] || [] : MESSAGES) {
      const m = pattern.exec(text);
      if (m) return say(m, kinds);
    }
    if (!attribute && inUploader && /^\d+(\.\d+)?(TB|GB|MB|KB|B)$/.test(text)) return size(text);
    return null;
  };

  if (typeof module !== "undefined") module.exports = {russian};
  if (typeof document === "undefined" || window.__debtUploaderRussian) return;
  window.__debtUploaderRussian = true;

  // the uploader itself, and the hover tooltip of a refused file (drawn outside it, in a layer of its own)
  const PLACES = "[data-testid='stFileUploader'], [data-testid='stTooltipErrorContent'], [data-baseweb='tooltip']";
  const UPLOADER = "[data-testid='stFileUploader']";

  // «.xlsx» of the uploader's file input, accept="application/streamlit,.xlsx"
  const kindsOf = (uploader) => {
    const accept = uploader ? uploader.querySelector("input[type='file']")?.getAttribute("accept") || "" : "";
    return accept.split(",").map((k) => k.trim()).filter((k) => k.startsWith(".")).join(", ");
  };
  const fixText = (node) => {
    const parent = node.parentElement;
    if (!parent || !parent.closest(PLACES)) return;
    const uploader = parent.closest(UPLOADER);
    const said = russian(node.nodeValue, !!uploader, null, kindsOf(uploader));
    if (said !== null && said !== node.nodeValue) node.nodeValue = said;
  };
  const fixElement = (e) => {
    if (!e.closest(PLACES)) return;
    for (const name of ["aria-label", "title"]) {
      const value = e.getAttribute(name);
      const said = value === null ? null : russian(value, !!e.closest(UPLOADER), name);
      if (said !== null && said !== value) e.setAttribute(name, said);
    }
    // the chip shortens a long file name in the middle («Бланк ...024-12.xlsx»): the whole name, as chosen
    if (e.dataset.testid === "stFileChipName" && e.title && e.textContent !== e.title) e.textContent = e.title;
  };
  const fix = (root) => {
    if (root.nodeType === Node.TEXT_NODE) return fixText(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    if (!root.closest(PLACES) && !root.querySelector(PLACES)) return;
    fixElement(root);
    for (const e of root.querySelectorAll("[aria-label], [title]")) fixElement(e);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) fixText(n);
  };

  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "characterData") fixText(r.target);
      else if (r.type === "attributes") fixElement(r.target);
      else r.addedNodes.forEach(fix);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                             attributeFilter: ["aria-label", "title"]});
  fix(document.body);
})();
