// Starts the real XS engine (@agoric/xsnap) with a command channel for results.
import '@endo/init';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { xsnap } from '@agoric/xsnap';

export async function startXs(onMessage) {
  const decoder = new TextDecoder();
  return xsnap({
    os: os.type(),
    spawn,
    fs: { ...fs, ...fs.promises },
    meteringLimit: 0,
    stdout: 'inherit',
    stderr: 'inherit',
    handleCommand: async (bytes) => {
      onMessage(JSON.parse(decoder.decode(bytes)));
      return new Uint8Array();
    },
  });
}
