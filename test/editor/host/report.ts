/**
 * What the extension-host suite saw, written as JSON beside it for editor.test.ts, which
 * asserts on it (the expected values come from the scanner, run in node). Lines are 1-based.
 */
export interface LensSeen {
  readonly line: number;
  readonly title: string;
  readonly command: string;
  readonly arguments: unknown[];
}

export interface DiagnosticSeen {
  readonly source: string | undefined;
  readonly code: string | undefined;
  readonly line: number;
}

/** Live diagnostics of one file, before any workspace scan (each reading after waiting for the expected change, or 10 s). */
export interface LiveSeen {
  /** After opening it, and how long they took to appear. */
  readonly onOpen: DiagnosticSeen[];
  readonly msToAppear: number;
  /** After typing LIVE_EDIT_LINE over the finding's line, the text then, and how long the diagnostic took to go. */
  readonly afterEdit: DiagnosticSeen[];
  readonly textAfterEdit: string;
  readonly msToClear: number;
  /** After undoing that edit, then after closing the file. */
  readonly afterUndo: DiagnosticSeen[];
  readonly afterClose: DiagnosticSeen[];
  /** Another file opened with mixflow.diagnostics.live off (read after 1.5 s), then after turning it back on. */
  readonly whenOff: DiagnosticSeen[];
  readonly whenOnAgain: DiagnosticSeen[];
}

export interface HostReport {
  /** The contributed commands of the extension under development, and which of them are registered. */
  readonly contributed: { command: string; title: string; category: string }[];
  readonly registered: string[];
  /** MixFlow code lenses (resolved) per workspace file. */
  readonly lenses: Record<string, LensSeen[]>;
  /** Lines where "MixFlow: rewrite to mixed mode" is offered as a quick fix, per file. */
  readonly quickFixLines: Record<string, number[]>;
  /** Each file's text after: applying the quick fix, running its code lens's command, MixFlow: Rewrite File. */
  readonly textAfterQuickFix: string;
  readonly textAfterLensCommand: string;
  readonly textAfterRewriteFile: string;
  /** The TF.js file: its lenses, the titles of the quick fixes on its site's line, its text after running the lens's command. */
  readonly tfjs: { readonly lenses: LensSeen[]; readonly quickFixTitles: string[]; readonly textAfterLensCommand: string };
  /** After MixFlow: Scan Workspace: the file's MixFlow diagnostics and those its quick fix is attached to. */
  readonly diagnostics: DiagnosticSeen[];
  readonly quickFixDiagnostics: DiagnosticSeen[];
  /** After Scan Workspace: the diagnostics of a file never opened. */
  readonly scanClosedDiagnostics: DiagnosticSeen[];
  readonly live: LiveSeen;
  /** With mixflow.codeLens.enabled / mixflow.quickFix.enabled false, then true again. */
  readonly lensesWhenOff: LensSeen[];
  readonly lensesWhenOnAgain: LensSeen[];
  readonly quickFixLinesWhenOff: number[];
  /** After MixFlow: New Setup from Model… on the .onnx file: the setup written next to it (null: none) and the active editor's file. */
  readonly newSetupText: string | null;
  readonly activeAfterNewSetup: string | undefined;
  /** MixFlow: Profile Setup on the absurd setup: the refusal it showed (with Open Estimate), or what it resolved to. */
  readonly profileRefusal: string | null;
  /** MixFlow: Estimate Setup Memory (what Open Estimate runs) on it: the text it opened, and the active editor's text after. */
  readonly estimateText: string | null;
  readonly activeTextAfterEstimate: string | null;
  /** Labels of the open profile-panel tabs: after opening a profile, opening it again, and comparing the two profiles. */
  readonly profileTabs: { readonly opened: string[]; readonly reopened: string[]; readonly compared: string[] };
}

export const REPORT_NAME = 'host-report.json';

/**
 * The suite and the UI checks share one window (a window takes seconds to open): the suite
 * starts when the window does, and waits for this file, written beside it when the UI checks
 * are done, before it touches anything.
 */
export const UI_DONE_NAME = 'ui-checks-done';
