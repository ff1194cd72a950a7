/**
 * The live cover protocol's messages (#22): how a member's peer asks a source peer for the cover of
 * what one of its sources plays, so that every window in the room shows it, not only the source
 * peer's own.
 *
 * One request per stream: a UTF-8 JSON frame `{ sourceId, coverId }`, checked with the one validator
 * toolkit. The answer is one frame in the chunk protocol's COVER reply shape (`encodeCoverReply`: a
 * status byte, then the image; or UNKNOWN when the source plays something else now or is not here).
 * The image type is read from the bytes, never taken from the sender; the asker also checks that the
 * bytes hash to the cover id it asked for.
 */
import { obj, type Validator } from '../validate';
import { coverIdValidator, sourceIdValidator } from './sources';

/** Limits of the live cover protocol. */
export const liveCoverLimits = {
  /** The largest cover a live source keeps and sends (AirPlay's PICT, a downloaded cover). */
  maxCoverBytes: 1536 * 1024,
  /** The largest request frame (two ids in JSON). */
  maxRequestBytes: 256,
} as const;

/** What a member asks the source peer for. */
export interface LiveCoverRequest {
  sourceId: string;
  /** The cover id the source peer announced (a hash of the image). */
  coverId: string;
}

/** Checks a request a peer sent on the live cover protocol. */
export const validateLiveCoverRequest: Validator<LiveCoverRequest> = obj({
  sourceId: sourceIdValidator,
  coverId: coverIdValidator,
});
