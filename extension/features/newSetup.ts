/**
 * "MixFlow: New Setup from Model…" on an `.onnx` file: writes `NAME.mixflow.json` next to it
 * (the model, a loss, SGD with a learned learning rate, synthetic batches of the model's input
 * shape, meta-gradients of θ₀ and log_lr) and opens it, ready for Profile Setup.
 */
import * as vscode from 'vscode';
import { setupTemplate } from '../../engine/import/onnx/setupTemplate.js';
import { stringifyJson } from '../../engine/setup/result.js';
import { COMMANDS } from '../commands.js';
import { output } from '../output.js';

async function modelUri(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return vscode.Uri.parse(arg, true);
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX models': ['onnx'] }, openLabel: 'New Setup from Model' });
  return picked?.[0];
}

/** `dir/model.onnx` → `dir/model.mixflow.json`. */
export function setupUriFor(model: vscode.Uri): vscode.Uri {
  const name = model.path.split('/').pop()!.replace(/\.onnx$/i, '');
  return vscode.Uri.joinPath(model, '..', `${name}.mixflow.json`);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

async function newSetupFromModel(arg?: unknown): Promise<void> {
  const model = await modelUri(arg);
  if (!model) return;
  const fileName = model.path.split('/').pop()!;
  let template;
  try {
    template = setupTemplate(await vscode.workspace.fs.readFile(model), fileName);
  } catch (e) {
    void vscode.window.showErrorMessage(`MixFlow: cannot make a setup for ${fileName}: ${(e as Error).message}`);
    return;
  }
  const target = setupUriFor(model);
  if (await exists(target)) {
    const pick = await vscode.window.showWarningMessage(`MixFlow: ${target.path.split('/').pop()} already exists. Replace it?`, { modal: true }, 'Replace');
    if (pick !== 'Replace') return;
  }
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(`${stringifyJson(template.json, 2)}\n`));
  output().appendLine(`New setup ${target.fsPath}: ${fileName}, input [${template.input.join(', ')}] → output [${template.output.join(', ')}], xent, SGD, T = 3, synthetic batches of 8`);
  await vscode.window.showTextDocument(target);
  void vscode.window.showInformationMessage(
    `MixFlow: setup for ${fileName} (input [${template.input.join('×')}] → [${template.output.join('×')}]): cross-entropy, SGD, T = 3 inner steps, synthetic batches of 8. Edit it, then Profile Setup.`,
  );
}

export function register(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand(COMMANDS.newSetupFromModel, newSetupFromModel));
}
