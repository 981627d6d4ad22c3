/**
 * Why a model cannot be imported, and where: `where` names the node (`node "/layer1/Conv"
 * (Conv)`) or the part of the file. The setup validator turns it into a SetupError at
 * `$.model.file`, so the CLI exits 2 with the file, the place and the reason.
 */
export class OnnxImportError extends Error {
  constructor(
    readonly where: string,
    readonly reason: string,
  ) {
    super(`${where}: ${reason}`);
    this.name = 'OnnxImportError';
  }
}

/** `node "/features/0/Conv" (Conv)`; unnamed nodes by position. */
export function nodeLabel(node: { name: string; opType: string; index: number }): string {
  return node.name ? `node "${node.name}" (${node.opType})` : `node #${node.index} (${node.opType}, unnamed)`;
}
