/** Reads a chosen file in the renderer: its bytes go to main as base64 (the renderer never parses a key). */
export async function fileToBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  bytes.fill(0);
  return btoa(binary);
}
