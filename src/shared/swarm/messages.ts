/**
 * Swarm messages on the control topic. Like the playback messages, each is a plain object: `type`
 * plus body fields, placed by the control codec beside its envelope. To register them, add
 * `SwarmBodies` to the codec's bodies and spread `swarmBodyValidators` into its field validators.
 *
 * - `catalog:delta`: the sender's catalog changed. It names track ids only (control messages are
 *   limited to 64 KiB); receivers fetch entries they lack over the catalog stream. `version`
 *   counts changes within one `incarnation` (one run of the sender's catalog); a receiver that
 *   missed a version asks the sender for everything since the last one it applied. A delta with
 *   no ids is not a change: senders repeat their current version that way now and then, so a
 *   receiver that missed the last delta (gossip is best effort) notices.
 */
import { int, isTypeOf, messageValidator, type BodyValidators } from '../validate';
import type { Result } from '../result';
import { catalogLimits } from './catalog';
import { contentIds, incarnation } from './catalog-stream';

/** Body of each swarm message type. */
export interface SwarmBodies {
  'catalog:delta': { incarnation: string; version: number; added: string[]; removed: string[] };
}

export type SwarmMessageType = keyof SwarmBodies;

/** One swarm message of type T: its type and body fields. */
export type SwarmMessageOf<T extends SwarmMessageType> = { type: T } & SwarmBodies[T];

/** Any swarm message, discriminated by `type`. */
export type SwarmMessage = { [T in SwarmMessageType]: SwarmMessageOf<T> }[SwarmMessageType];

const trackIds = contentIds(catalogLimits.maxDeltaIds);

/** Field validators of each body, in the shape the control codec's `bodyValidators` takes. */
export const swarmBodyValidators: BodyValidators<SwarmBodies> = {
  'catalog:delta': {
    incarnation,
    version: int(0, Number.MAX_SAFE_INTEGER),
    added: trackIds,
    removed: trackIds,
  },
};

/** Every swarm message type. */
export const swarmMessageTypes = Object.keys(swarmBodyValidators) as SwarmMessageType[];

/** Whether `type` names a swarm message type. */
export const isSwarmMessageType: (type: unknown) => type is SwarmMessageType = isTypeOf(swarmBodyValidators);

/**
 * Checks an untrusted swarm message: `type` plus exactly its body fields. Envelope fields of a
 * decoded control message are ignored, so a bare body and a whole message are both accepted.
 */
export const validateSwarmMessage: (input: unknown) => Result<SwarmMessage> =
  messageValidator(swarmBodyValidators);
