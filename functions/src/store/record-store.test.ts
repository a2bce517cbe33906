/** The config store's contract on a local directory (the local server's store). */
import { scratchDir } from '../../../test/support/scratch.ts';
import { describeStoreContract } from '../../../test/support/store-contract.ts';
import { FileBlobs } from './file-blobs.ts';

describeStoreContract('a local directory', async () => new FileBlobs(await scratchDir('fleetplane-store-')));
