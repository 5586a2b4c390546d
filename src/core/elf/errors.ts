import { ReleaseOperatorError } from '../errors';

/** A file that is not a readable ELF file; the message names the file and what was wrong with it. */
export class ElfFormatError extends ReleaseOperatorError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(
      'check',
      `${file}: ${problem}`,
      'The file is truncated, corrupted or not an ELF file; rebuild it or copy it again.',
    );
    this.name = 'ElfFormatError';
  }
}
