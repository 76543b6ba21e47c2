// The documentation example's only script: size each aorlab frame from the height it posts —
// all of it, so nothing is cut (a frame taller than the screen scrolls with the page, which is
// what a reader expects of an article). A docs site would do the same.

window.addEventListener("message", (event: MessageEvent) => {
  const data = event.data as { type?: unknown; height?: unknown } | null;
  if (!data || data.type !== "aorlab:height" || typeof data.height !== "number") return;
  for (const frame of document.querySelectorAll<HTMLIFrameElement>("iframe.docs-embed")) {
    if (frame.contentWindow === event.source) {
      // Only a sanity bound against a runaway value; the content's own height otherwise.
      const height = Math.max(120, Math.min(20_000, Math.ceil(data.height)));
      frame.style.height = `${height}px`;
      frame.dataset.postedHeight = String(height);
    }
  }
});
