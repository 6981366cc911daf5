/** Saves content the app produced through the browser's download, in both shells. */
export function downloadBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A text file (CSV export). */
export function downloadText(fileName: string, content: string, mime: string): void {
  downloadBlob(fileName, new Blob([content], { type: mime }));
}

/** A PDF sent by main as base64 (the onboarding report). */
export function downloadBase64Pdf(fileName: string, base64: string): void {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  downloadBlob(fileName, new Blob([bytes], { type: 'application/pdf' }));
}
