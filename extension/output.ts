/** The extension's one output channel, created the first time something is written to it. */
import * as vscode from 'vscode';
import { OUTPUT_CHANNEL_NAME } from './commands.js';

let channel: vscode.OutputChannel | undefined;

export function output(): vscode.OutputChannel {
  channel ??= vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME);
  return channel;
}

/** Disposes the channel if it was created (pushed into the context's subscriptions by activate). */
export const outputDisposable: vscode.Disposable = {
  dispose: () => {
    channel?.dispose();
    channel = undefined;
  },
};

/** An error message with a button that shows the output channel. */
export async function showErrorWithOutput(message: string): Promise<void> {
  const pick = await vscode.window.showErrorMessage(message, 'Show Output');
  if (pick) output().show(true);
}
