/**
 * The preset dictionary of the recorded event's stored form, version 1 (`eventCodec.ts`). FROZEN: history items
 * written with version 1 can only be read back with these exact bytes, so nothing here may ever change — not a
 * word, not the order, not the joining below (`test/functions/store/eventCodec.test.ts` pins its SHA-256). A better
 * dictionary is a new file and a new version byte; the decoder keeps this one for as long as version 1 items live.
 *
 * Deflate copies from the dictionary as from text it has just seen, and a copy costs less the nearer the end it
 * starts, so the most common text comes last:
 *
 * 1. status words and event names the providers send, and the values of the normalized event's enumerations;
 * 2. each provider's delivery report as its adapter records it (`data` and `raw`), its values blanked but the words
 *    above: the key names, in the order the provider sends them (`local/fixtures.ts` DELIVERY_REPORT_FIXTURES, and
 *    for providers without one the file named above its line);
 * 3. the normalized event's own keys, in the order the adapters write them.
 *
 * A provider added later is compressed with the words and the event's own keys only (its items are larger until a
 * version 2 dictionary includes its report): docs/performance.md has the figures.
 */

const STATUS_WORDS = [
  'DELIVRD UNDELIV EXPIRED REJECTD ACCEPTD UNKNOWN ENROUTE DELETED ESME_ROK DELIVERED_TO_HANDSET DELIVERED_TO_OPERATOR PENDING_ENROUTE UNDELIVERABLE_NOT_DELIVERED PENDING REJECTED UNDELIVERABLE NO_ERROR HANDSET_ERRORS EC_ABSENT_SUBSCRIBER',
  'TEXT_DELIVERED TEXT_SUCCESSFUL TEXT_QUEUED TEXT_PENDING TEXT_BLOCKED TEXT_INVALID TEXT_SPAM TEXT_TTL_EXPIRED TEXT_CARRIER_UNREACHABLE TEXT_UNKNOWN MEDIA_DELIVERED TRANSACTIONAL PROMOTIONAL SUCCESSFUL DELIVERED QUEUED FAILED SENT COMPLETED',
  'MESSAGE_RESULT_UPDATE NORMAL_SMS INTERNATIONAL_DELIVERY_RECEIPT SenderGroupingKey RecipientGroupingKey',
  'message.finalized message.sent message.received webhook_delivered delivery_failed sending_failed delivery_unconfirmed outbound inbound long_code Wireless VoIP GSM-7 UCS-2 GSM SMS MMS',
  'whatsapp_message_status_updated whatsapp_mo_message_received business_initiated user_initiated conversation pricing billable pricing_model CBP utility marketing authentication service regular',
  'recipient_delivery_report_sms delivery_report_sms Delivered Dispatched Queued Failed Aborted Expired Rejected',
  'deliver not_deliver partly_deliver send success text image audio video document sticker location contacts interactive button reaction order system unsupported',
  'delivered undelivered sending accepted scheduled canceled partially_delivered read received queued failed sent buffered expired rejected deleted played warning submitted undeliverable unknown',
  'USD EUR GBP',
  'sms mms whatsapp viber otp rcs message.inbound provider.unknown template.status account.review phone_number.name chat.message recipient.unsubscribed country.blocked message.status',
  'innopaas-otp innopaas-whatsapp innopaas-sms webcom smsgateway24 nhncloud-sms telnyx plivo messagebird aws-eum-sms aws-eum-whatsapp vonage-sms vonage-messages sinch-sms infobip-sms jasmin kannel twilio meta-whatsapp',
]
  .join(' ')
  .split(' ');

const DELIVERY_REPORT_SHAPES = [
  // aws-eum-sms/eventbridge-text-delivered.json
  '"data":{"eventType":"TEXT_DELIVERED","eventVersion":"","isFinal":true,"messageStatus":"DELIVERED","messageStatusDescription":"","messageType":"PROMOTIONAL","messageEncoding":"GSM","isInternationalSend":false,"requestedAt":"","totalCarrierFee":1,"context":{"account":""}},"raw":{"eventType":"TEXT_DELIVERED","eventVersion":"","eventTimestamp":1,"isFinal":true,"originationPhoneNumber":"","destinationPhoneNumber":"","isInternationalSend":false,"mcc":"","mnc":"","messageId":"","messageRequestTimestamp":1,"messageEncoding":"GSM","messageType":"PROMOTIONAL","messageStatus":"DELIVERED","messageStatusDescription":"","context":{"account":""},"totalMessageParts":1,"totalMessagePrice":1,"totalCarrierFee":1,"isoCountryCode":"","carrierName":""}',
  // aws-eum-whatsapp/eventbridge-delivered.json
  '"data":{"detailType":"","wabaId":"","originationPhoneNumberId":"","status":"delivered"},"raw":{"wabaId":"","originationPhoneNumber":"","originationPhoneNumberId":"","messageId":"","status":"delivered","eventTimestamp":""}',
  // infobip-sms/delivery-report-delivered.json
  '"data":{"bulkId":"","callbackData":"","statusGroup":"DELIVERED","statusId":"","statusDescription":"","sentAt":""},"raw":{"bulkId":"","messageId":"","to":"","from":"","sentAt":"","doneAt":"","smsCount":1,"mccMnc":"","callbackData":"","price":{"pricePerMessage":1,"currency":"EUR"},"status":{"groupId":1,"groupName":"DELIVERED","id":1,"name":"DELIVERED_TO_HANDSET","description":""},"error":{"groupId":1,"groupName":"","id":1,"name":"NO_ERROR","description":"","permanent":false}}',
  // innopaas-otp/status-delivered.json
  '"data":{"accountNo":"","appKey":"","code":"success"},"raw":{"accountNo":"","appKey":"","messageId":"","mobile":"","status":"","code":"success","errCode":null,"errMessage":null,"reportTime":""}',
  // innopaas-sms/status-delivered.json
  '"data":{"msgid":"","batchSeq":"","uid":"","statusDesc":"DELIVRD","notifyTime":"","requestTime":"","fee":"","unitPrice":"","currency":"USD","smsNum":""},"raw":{"msgid":"","batchSeq":"","uid":"","mobile":"","status":"DELIVRD","statusDesc":"DELIVRD","reportTime":"","notifyTime":"","requestTime":"","fee":"","unitPrice":"","currency":"USD","smsNum":"","mcc":"","mnc":"","mnoName":""}',
  // innopaas-whatsapp/message-status-delivered.json
  '"data":{"eventType":"whatsapp_message_status_updated","accountName":"","wabaId":"","wamid":"","uid":"","conversation":{"initiateType":"business_initiated","expireAt":""}},"raw":{"id":"","type":"whatsapp_message_status_updated","eventTime":"","body":{"id":"","accountName":"","wabaId":"","status":"delivered","wamid":"","sendPhone":"","uid":"","conversation":{"initiateType":"business_initiated","expireAt":""}}}',
  // jasmin/dlr-delivered.form
  '"data":{"level":"","connector":"","smscMessageId":"","sub":"","dlvrd":"","submitDate":"","doneDate":"","err":"","text":""},"raw":{"id":"","message_status":"DELIVRD","level":"","connector":"","id_smsc":"","sub":"","dlvrd":"","subdate":"","donedate":"","err":"","text":""}',
  // kannel/dlr-delivered.query
  '"data":{"meaning":"","kannelId":"","smscMessageId":"","smsc":"","time":"","reply":"","receiptStat":"DELIVRD","receiptErr":"","submitDate":"","doneDate":""},"raw":{"id":"","type":"","kid":"","fid":"","smsc":"","from":"","to":"","ts":"","time":"","reply":""}',
  // messagebird/status-delivered-json.json
  '"data":{"messagebirdId":"","reference":"","statusReason":"","mccmnc":"","ported":""},"raw":{"id":"","reference":"","recipient":1,"status":"delivered","statusReason":"","statusErrorCode":null,"statusDatetime":"","mccmnc":"","ported":1,"price":{"amount":1,"currency":"EUR"}}',
  // meta-whatsapp/status-delivered.json
  '"data":{"wabaId":"","phoneNumberId":"","displayPhoneNumber":"","conversation":{"id":"","origin":{"type":"marketing"}},"pricing":{"billable":true,"pricing_model":"","category":"marketing","type":"regular"}},"raw":{"id":"","status":"delivered","timestamp":"","recipient_id":"","conversation":{"id":"","origin":{"type":"marketing"}},"pricing":{"billable":true,"pricing_model":"","category":"marketing","type":"regular"}}',
  // nhncloud-sms/message-result.json
  '"data":{"hooksId":"","webhookConfigId":"","appKey":"","event":"MESSAGE_RESULT_UPDATE","hookId":"","requestId":"","recipientSeq":1,"senderType":"NORMAL_SMS","requestDate":"","receiveDate":"","resultCode":"","messageCount":1,"recipientGroupingKey":"RecipientGroupingKey","senderGroupingKey":"SenderGroupingKey","href":""},"raw":{"hookId":"","senderType":"NORMAL_SMS","requestId":"","recipientSeq":1,"requestDate":"","receiveDate":"","sendNo":"","recipientNo":"","messageStatus":"COMPLETED","recipientGroupingKey":"RecipientGroupingKey","senderGroupingKey":"SenderGroupingKey","resultCode":"","messageCount":1,"_links":{"self":{"href":""}}}',
  // plivo/status-delivered.form
  '"data":{"type":"sms","units":"","totalRate":"","totalAmount":"","parentMessageUuid":"","messageTime":"","errorCode":"","sequence":1,"queuedTime":"","sentTime":"","deliveryReportTime":""},"raw":{"From":"","To":"","Type":"sms","MessageUUID":"","Units":"","TotalRate":"","TotalAmount":"","MCC":"","MNC":"","PowerpackUUID":"","ParentMessageUUID":"","PartInfo":"","requester_ip":"","MessageTime":"","Status":"delivered","Sequence":"","ErrorCode":"","QueuedTime":"","SentTime":"","DeliveryReportTime":""}',
  // sinch-sms/recipient-delivered.json
  '"data":{"batchId":"","code":"","clientReference":"","at":"","operatorStatusAt":""},"raw":{"at":"","batch_id":"","client_reference":"","code":1,"operator_status_at":"","recipient":"","status":"Delivered","type":"recipient_delivery_report_sms"}',
  // smsgateway24/status-sim.json
  '"data":{"statusMessage":"","sim":1,"deviceId":""},"raw":{"sms_id":1,"status_id":1,"status_message":"","sendto":"","senttime":"","sim":1,"device_id":1}',
  // telnyx/message-finalized-delivered.json
  '"data":{"eventType":"message.finalized","telnyxEventId":"","telnyxMessageId":"","direction":"outbound","type":"SMS","encoding":"GSM-7","parts":1,"messagingProfileId":"","organizationId":"","attempt":1,"lineType":"Wireless"},"raw":{"data":{"event_type":"message.finalized","id":"","occurred_at":"","payload":{"completed_at":"","cost":{"amount":"","currency":"USD"},"cost_breakdown":{"carrier_fee":{"amount":"","currency":"USD"},"rate":{"amount":"","currency":"USD"}},"direction":"outbound","encoding":"GSM-7","errors":[],"from":{"carrier":"","line_type":"VoIP","phone_number":""},"id":"","media":[],"messaging_profile_id":"","organization_id":"","parts":1,"received_at":"","record_type":"","sent_at":"","tags":[],"text":"","to":[{"carrier":"","line_type":"Wireless","phone_number":"","status":"delivered"}],"type":"SMS","valid_until":"","webhook_failover_url":null,"webhook_url":""},"record_type":""},"meta":{"attempt":1,"delivered_to":""}}',
  // twilio/status-delivered.form
  '"data":{"accountSid":"","apiVersion":"","rawDlrDoneDate":""},"raw":{"SmsSid":"","SmsStatus":"delivered","MessageStatus":"delivered","To":"","MessageSid":"","AccountSid":"","From":"","ApiVersion":"","NumSegments":"","RawDlrDoneDate":"","ErrorCode":""}',
  // vonage-messages/status-sms-delivered.json
  '"data":{"channel":"sms","clientRef":"","networkCode":""},"raw":{"message_uuid":"","to":"","from":"","timestamp":"","status":"delivered","usage":{"currency":"EUR","price":""},"channel":"sms","client_ref":"","destination":{"network_code":""},"sms":{"count_total":""}}',
  // vonage-sms/dlr-delivered.json
  '"data":{"scts":"","errCode":"","clientRef":"","apiKey":"","networkCode":"","price":""},"raw":{"msisdn":"","to":"","network-code":"","messageId":"","price":"","status":"delivered","scts":"","err-code":"","api-key":"","client-ref":"","message-timestamp":""}',
  // webcom/status.xml
  '"data":{"channels":{"sms":{"providerStatus":"deliver","status":"delivered"}}},"raw":{"#text":"deliver","@_id_sms":"","@_time":"","@_sms":"deliver"}',
];

const NORMALIZED_EVENT =
  '{"schemaVersion":1,"eventId":"","provider":"","channel":"sms","type":"message.status","messageId":"","status":"delivered","final":true,' +
  '"providerStatus":"","recipient":{"raw":"+","e164":"+"},"sender":{"raw":"","e164":"+"},"segments":1,"price":{"amount":"0.0","currency":"USD"},' +
  '"network":{"mcc":"","mnc":"","carrier":"","country":""},"error":{"code":"","message":""},"data":{},"raw":{},"occurredAt":"20","receivedAt":"20",' +
  '"occurredAtRaw":"20';

/** The dictionary's bytes: the words as JSON strings, then the report shapes, then the event's keys (UTF-8). */
export const EVENT_DICTIONARY_V1: Buffer = Buffer.from(
  STATUS_WORDS.map((word) => `"${word}"`).join('') + DELIVERY_REPORT_SHAPES.join('') + NORMALIZED_EVENT,
  'utf8',
);
