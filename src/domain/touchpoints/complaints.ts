/** Complaints, filed and resolved. */
import { IsIn } from 'class-validator';
import { CHANNELS } from '../../../projections/vocabulary';
import { IsIdentifier } from './validation';

export const COMPLAINT_CATEGORIES = [
  'fees',
  'service-quality',
  'product',
  'digital-channel',
  'fraud',
  'staff-conduct',
  'other',
] as const;
export const COMPLAINT_SEVERITIES = ['low', 'medium', 'high'] as const;

export class ComplaintFiledV1 {
  @IsIdentifier() complaintId!: string;
  @IsIn(COMPLAINT_CATEGORIES) category!: string;
  @IsIn(COMPLAINT_SEVERITIES) severity!: string;
  @IsIn(CHANNELS) channel!: string;
}

export const COMPLAINT_RESOLUTIONS = [
  'upheld',
  'partially-upheld',
  'rejected',
  'withdrawn',
] as const;

export class ComplaintResolvedV1 {
  @IsIdentifier() complaintId!: string;
  @IsIn(COMPLAINT_RESOLUTIONS) resolution!: string;
}
