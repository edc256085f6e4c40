/** The fault campaign's second half of the cases (campaign.test.ts runs the first and checks the split). */
import { describeCampaignHalf } from '../../support/fault-campaign';

describeCampaignHalf(1);
