// The version string a Linux x86 boot image carries in its setup header, as
// needrestart reads it (NeedRestart/Kernel/Linux.pm, nr_linux_version_x86).
// Pure: bytes in, string (or null) out; never throws.
//
// The header (Documentation/arch/x86/boot.rst): the magic "HdrS" at 0x202,
// and at 0x20E a little-endian 16-bit pointer to a NUL-terminated string,
// counted from 0x200: "6.1.0-26-amd64 (debian-kernel@lists.debian.org) #1
// SMP PREEMPT_DYNAMIC Debian 6.1.112-1 (2024-09-30)". The setup code is never
// compressed, so the string is readable without unpacking the kernel.

const MAGIC_OFFSET = 0x202;
const VERSION_POINTER = 0x20e;
const MAX_STRING = 512;

/** The image's version string, or null when the bytes are not an x86 boot image with one. */
export function kernelImageVersion(image: Uint8Array): string | null {
  if (image.length < VERSION_POINTER + 2) return null;
  const magic = String.fromCharCode(image[MAGIC_OFFSET], image[MAGIC_OFFSET + 1], image[MAGIC_OFFSET + 2], image[MAGIC_OFFSET + 3]);
  if (magic !== 'HdrS') return null;
  const pointer = image[VERSION_POINTER] | (image[VERSION_POINTER + 1] << 8);
  if (pointer === 0) return null;
  const start = 0x200 + pointer;
  if (start >= image.length) return null;
  let end = start;
  while (end < image.length && end - start < MAX_STRING && image[end] !== 0) end++;
  if (end === start || end >= image.length || image[end] !== 0) return null;
  const text = Buffer.from(image.subarray(start, end)).toString('latin1');
  // Printable ASCII only: anything else is not the string we are after.
  return /^[\x20-\x7e]+$/.test(text) ? text : null;
}

/**
 * Is the running kernel the build this image holds? needrestart's test: the
 * image string starts with the running release and ends with the running
 * `uname -v` ("#1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 (2024-09-30)").
 * A different ending under the same release is an ABI-compatible upgrade:
 * the package was updated in place, and only a reboot runs the new build.
 */
export function sameKernelBuild(imageVersion: string, runningRelease: string, runningUnameV: string): boolean {
  return imageVersion.startsWith(`${runningRelease} `) && imageVersion.endsWith(runningUnameV.trim());
}
