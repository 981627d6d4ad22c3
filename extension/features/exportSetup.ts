/**
 * MixFlow: Export Setup to PyTorch… writes a `*.mixflow.json` setup as one self-contained
 * PyTorch program (engine/export/pytorch) beside it, after asking the mode, and opens it.
 * Nothing is run, so it works in untrusted workspaces too.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS, REMAT_CHOICES, SETTINGS } from '../commands.js';
import { exportPytorch } from '../../engine/export/pytorch/index.js';
import type { Mode } from '../../engine/meta/problem.js';
import { parseSetupText, SetupError } from '../../engine/setup/validate.js';

function setupUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const active = vscode.window.activeTextEditor?.document.uri;
  return active && /\.mixflow\.json$/i.test(active.fsPath) ? active : undefined;
}

async function exportSetup(arg?: unknown): Promise<void> {
  const setup = setupUri(arg);
  if (!setup || setup.scheme !== 'file') {
    void vscode.window.showInformationMessage('MixFlow: open or select a *.mixflow.json setup on disk to export it.');
    return;
  }
  await vscode.workspace.textDocuments.find((d) => d.uri.toString() === setup.toString() && d.isDirty)?.save();
  const mode = await vscode.window.showQuickPick(
    [
      { label: 'mixflow' as Mode, description: 'inner gradient with a forward-over-reverse backward (less memory)' },
      { label: 'standard' as Mode, description: 'reverse-over-reverse, as grad-of-grad code is usually written' },
    ],
    { title: 'MixFlow: default mode of the exported program (it takes --mode too)' },
  );
  if (!mode) return;
  const name = basename(setup.fsPath).replace(/(\.mixflow)?\.json$/i, '');
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(join(dirname(setup.fsPath), `${name}_meta.py`)),
    filters: { Python: ['py'] },
    title: 'MixFlow: export the setup as a PyTorch program',
  });
  if (!target) return;
  const remat = vscode.workspace.getConfiguration().get<string>(SETTINGS.profileRemat, 'block');
  try {
    const text = readFileSync(setup.fsPath, 'utf8');
    const program = exportPytorch(parseSetupText(text), text, {
      mode: mode.label,
      remat: (REMAT_CHOICES as readonly string[]).includes(remat) ? (remat as (typeof REMAT_CHOICES)[number]) : 'block',
      source: basename(setup.fsPath),
      file: basename(target.fsPath),
    });
    await vscode.workspace.fs.writeFile(target, Buffer.from(program, 'utf8'));
    await vscode.window.showTextDocument(target);
  } catch (e) {
    const why = e instanceof SetupError ? e.message : String((e as Error).message ?? e);
    void vscode.window.showErrorMessage(`MixFlow: cannot export ${basename(setup.fsPath)}: ${why}`);
  }
}

export function register(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand(COMMANDS.exportPytorch, exportSetup));
}
