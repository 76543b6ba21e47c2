// The documentation example's only script: size each aorlab frame from the height it posts.
// A docs site would do the same (or just give the frames a fixed height).

window.addEventListener("message", (event: MessageEvent) => {
  const data = event.data as { type?: unknown; height?: unknown } | null;
  if (!data || data.type !== "aorlab:height" || typeof data.height !== "number") return;
  for (const frame of document.querySelectorAll<HTMLIFrameElement>("iframe.docs-embed")) {
    if (frame.contentWindow === event.source) {
      const height = Math.max(200, Math.min(760, Math.round(data.height)));
      frame.style.height = `${height}px`;
      frame.dataset.postedHeight = String(height);
    }
  }
});
