//! The SMS and voice v2 API (awsJson1_0). Every operation answers the generated
//! "not implemented" error until its issue builds it.

use herald_api::sms_voice_v2::operations::SmsVoiceV2Api;

impl SmsVoiceV2Api for crate::Core {}
