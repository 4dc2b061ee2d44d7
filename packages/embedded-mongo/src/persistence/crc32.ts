import * as zlib from 'zlib';

// zlib.crc32 (native, Node >= 20.15) is ~10x faster than a JS table; the fallback keeps
// older 20.x runtimes working since package.json only promises Node >= 20.19 loosely.
type Crc32Fn = (data: Uint8Array) => number;

function tableCrc32(): Crc32Fn {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return (data) => {
    let crc = 0xffffffff;
    for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  };
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export const crc32: Crc32Fn =
  typeof native === 'function' ? (data) => native(data) >>> 0 : tableCrc32();

/** Exposed for the unit test that checks both implementations agree. */
export const crc32Fallback: Crc32Fn = tableCrc32();
