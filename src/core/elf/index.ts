/**
 * ELF reader: identity, program headers, dynamic segment and GNU version tables, read through the program
 * headers as the loader does. parseElf throws only ElfFormatError (a ReleaseOperatorError).
 */
export { parseElf, isElf } from './parse';
export { ElfFormatError } from './errors';
export type { ElfInfo, LibraryNeeds, VersionNeed, VersionDefinition, ProgramHeader } from './types';
export { compareDotted, glibcVersionOf, maxVersion } from './versions';
export { parseElfChunks, readElfFile } from './file';
export type { Piece } from './bytes';
export { readElfStream, spillArea, type StreamedFile, type SpillArea } from './stream';
