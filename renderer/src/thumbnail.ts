/** Downscales an image (data URL from the core) so its longer side is at most `px`, so large images cost little to show. */
export async function thumbnail(dataUrl: string, px: number): Promise<string> {
  // An <img> (img-src allows data:), not fetch(): the CSP gives fetch no data: URLs.
  const image = new Image();
  image.src = dataUrl;
  await image.decode();
  const scale = Math.min(1, px / Math.max(image.naturalWidth, image.naturalHeight));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
  canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
  canvas.getContext('2d')!.drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png');
}
