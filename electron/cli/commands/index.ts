// Every command group of `baton`, one registration line each.
import type { CommandGroup } from '../command';
import { registerHelpTexts } from '../help/register';
import { registerApprove } from './approve';
import { registerArchive } from './archive';
import { registerHost } from './host';
import { registerFork } from './fork';
import { registerHandoffCommand } from './handoff';
import { registerIdentity } from './identity';
import { registerProject } from './project';
import { registerRelay } from './relay';
import { registerResume } from './resume';
import { registerServe } from './serve';
import { registerThread } from './thread';
import { registerTransfer } from './transfer';

export const commandGroups: CommandGroup[] = [registerServe, registerProject, registerThread, registerTransfer, registerArchive, registerApprove, registerResume, registerFork, registerIdentity, registerHost, registerRelay, registerHandoffCommand,
  // Last: documents --json of the commands above, and answers for any command still missing.
  registerHelpTexts];
