//! Opt-out lists and opted-out numbers through the real AWS SDK: the implicit Default list,
//! CreateOptOutList / DeleteOptOutList / DescribeOptOutLists, PutOptedOutNumber /
//! DeleteOptedOutNumber / DescribeOptedOutNumbers, with each rule's exact error reason.

use aws_sdk_pinpointsmsvoicev2::error::ProvideErrorMetadata;
use aws_sdk_pinpointsmsvoicev2::operation::create_opt_out_list::CreateOptOutListError;
use aws_sdk_pinpointsmsvoicev2::operation::delete_opt_out_list::DeleteOptOutListError;
use aws_sdk_pinpointsmsvoicev2::operation::delete_opted_out_number::DeleteOptedOutNumberError;
use aws_sdk_pinpointsmsvoicev2::operation::describe_opt_out_lists::DescribeOptOutListsError;
use aws_sdk_pinpointsmsvoicev2::operation::describe_opted_out_numbers::DescribeOptedOutNumbersError;
use aws_sdk_pinpointsmsvoicev2::operation::put_opted_out_number::PutOptedOutNumberError;
use aws_sdk_pinpointsmsvoicev2::types::{OptedOutFilter, OptedOutFilterName, Owner, ResourceType, Tag};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::sms_voice;
use herald_e2e::{not_found, reason};

fn account_arn(server: &TestServer, resource: &str) -> String {
    format!("arn:aws:sms-voice:us-east-1:{}:{resource}", server.account_id)
}

#[tokio::test]
async fn the_default_list_exists_and_lists_are_created_described_and_deleted() {
    let server = TestServer::start();
    let sms = sms_voice(&server);

    let lists = sms.describe_opt_out_lists().send().await.expect("DescribeOptOutLists");
    let names: Vec<&str> = lists.opt_out_lists().iter().map(|l| l.opt_out_list_name()).collect();
    assert_eq!(names, ["Default"]);
    assert_eq!(lists.opt_out_lists()[0].opt_out_list_arn(), account_arn(&server, "opt-out-list/Default"));

    let created = sms
        .create_opt_out_list()
        .opt_out_list_name("marketing")
        .tags(Tag::builder().key("team").value("growth").build().expect("tag"))
        .client_token("create-marketing-1")
        .send()
        .await
        .expect("CreateOptOutList");
    assert_eq!(created.opt_out_list_name(), Some("marketing"));
    assert_eq!(created.opt_out_list_arn(), Some(account_arn(&server, "opt-out-list/marketing").as_str()));
    assert!(created.created_timestamp().is_some());
    assert_eq!(created.tags().iter().map(|t| (t.key(), t.value())).collect::<Vec<_>>(), [("team", "growth")]);

    // The same request again is idempotent; another request for the name conflicts.
    let again = sms
        .create_opt_out_list()
        .opt_out_list_name("marketing")
        .client_token("create-marketing-1")
        .send()
        .await
        .expect("same ClientToken");
    assert_eq!(again.created_timestamp(), created.created_timestamp());
    let result = sms.create_opt_out_list().opt_out_list_name("marketing").send().await;
    let error = result.as_ref().err().map(|e| e.code().map(str::to_owned));
    assert_eq!(error, Some(Some("ConflictException".to_string())));
    assert_eq!(reason!(result, CreateOptOutListError::ConflictException), "RESOURCE_ALREADY_EXISTS");

    for bad in ["has space", "semi;colon", &"x".repeat(65)] {
        let result = sms.create_opt_out_list().opt_out_list_name(bad).send().await;
        assert_eq!(reason!(result, CreateOptOutListError::ValidationException), "INVALID_PARAMETER", "{bad}");
    }

    // By name or ARN, at most five, not with Owner.
    let described = sms
        .describe_opt_out_lists()
        .opt_out_list_names("marketing")
        .opt_out_list_names(account_arn(&server, "opt-out-list/Default"))
        .send()
        .await
        .expect("by names");
    let names: Vec<&str> = described.opt_out_lists().iter().map(|l| l.opt_out_list_name()).collect();
    assert_eq!(names, ["marketing", "Default"]);
    let result = sms.describe_opt_out_lists().opt_out_list_names("nope").send().await;
    assert_eq!(
        not_found!(result, DescribeOptOutListsError::ResourceNotFoundException),
        (ResourceType::OptOutList, "nope".to_string())
    );
    let result = sms.describe_opt_out_lists().opt_out_list_names("marketing").owner(Owner::SelfValue).send().await;
    assert_eq!(reason!(result, DescribeOptOutListsError::ValidationException), "PARAMETERS_CANNOT_BE_USED_TOGETHER");
    let shared = sms.describe_opt_out_lists().owner(Owner::Shared).send().await.expect("shared");
    assert!(shared.opt_out_lists().is_empty());

    // Paging.
    let first = sms.describe_opt_out_lists().max_results(1).send().await.expect("first page");
    assert_eq!(first.opt_out_lists().len(), 1);
    let token = first.next_token().expect("a second page").to_string();
    let second = sms.describe_opt_out_lists().max_results(1).next_token(token).send().await.expect("second page");
    assert_eq!(second.opt_out_lists().len(), 1);
    assert!(second.next_token().is_none());
    assert_ne!(first.opt_out_lists()[0].opt_out_list_name(), second.opt_out_lists()[0].opt_out_list_name());
    let result = sms.describe_opt_out_lists().next_token("garbage").send().await;
    assert_eq!(reason!(result, DescribeOptOutListsError::ValidationException), "INVALID_NEXT_TOKEN");

    // Delete by ARN; then it is gone. Default can't be deleted.
    let deleted = sms
        .delete_opt_out_list()
        .opt_out_list_name(account_arn(&server, "opt-out-list/marketing"))
        .send()
        .await
        .expect("DeleteOptOutList");
    assert_eq!(deleted.opt_out_list_name(), Some("marketing"));
    let result = sms.delete_opt_out_list().opt_out_list_name("marketing").send().await;
    assert_eq!(
        not_found!(result, DeleteOptOutListError::ResourceNotFoundException),
        (ResourceType::OptOutList, "marketing".to_string())
    );
    let result = sms.delete_opt_out_list().opt_out_list_name("Default").send().await;
    assert_eq!(reason!(result, DeleteOptOutListError::ConflictException), "RESOURCE_DELETION_NOT_ALLOWED");
}

#[tokio::test]
async fn an_account_has_at_most_25_lists_including_default() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    for n in 1..=24 {
        sms.create_opt_out_list().opt_out_list_name(format!("list-{n}")).send().await.expect("within the quota");
    }
    let result = sms.create_opt_out_list().opt_out_list_name("list-25").send().await;
    assert_eq!(reason!(result, CreateOptOutListError::ServiceQuotaExceededException), "OPT_OUT_LISTS_PER_ACCOUNT");
    let all = sms.describe_opt_out_lists().send().await.expect("DescribeOptOutLists");
    assert_eq!(all.opt_out_lists().len(), 25);
}

#[tokio::test]
async fn opted_out_numbers_are_put_described_filtered_and_removed() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    let number = "+12065550142";

    let put = sms
        .put_opted_out_number()
        .opt_out_list_name("Default")
        .opted_out_number(number)
        .send()
        .await
        .expect("PutOptedOutNumber");
    assert_eq!(put.opted_out_number(), Some(number));
    assert!(!put.end_user_opted_out());
    assert_eq!(put.opt_out_list_name(), Some("Default"));
    assert_eq!(put.opt_out_list_arn(), Some(account_arn(&server, "opt-out-list/Default").as_str()));
    let first_timestamp = put.opted_out_timestamp().cloned();
    assert!(first_timestamp.is_some());
    // Putting it again changes nothing.
    let again =
        sms.put_opted_out_number().opt_out_list_name("Default").opted_out_number(number).send().await.expect("again");
    assert_eq!(again.opted_out_timestamp().cloned(), first_timestamp);

    for bad in ["12065550142", "+0206555", "+1206555abcd"] {
        let result = sms.put_opted_out_number().opt_out_list_name("Default").opted_out_number(bad).send().await;
        assert_eq!(reason!(result, PutOptedOutNumberError::ValidationException), "INVALID_PARAMETER", "{bad}");
    }
    let result = sms.put_opted_out_number().opt_out_list_name("missing").opted_out_number(number).send().await;
    assert_eq!(
        not_found!(result, PutOptedOutNumberError::ResourceNotFoundException),
        (ResourceType::OptOutList, "missing".to_string())
    );

    sms.put_opted_out_number()
        .opt_out_list_name("Default")
        .opted_out_number("+442071838750")
        .send()
        .await
        .expect("second number");
    let described = sms.describe_opted_out_numbers().opt_out_list_name("Default").send().await.expect("describe");
    let numbers: Vec<&str> = described.opted_out_numbers().iter().map(|n| n.opted_out_number()).collect();
    assert_eq!(numbers, [number, "+442071838750"]);
    assert!(described.opted_out_numbers().iter().all(|n| !n.end_user_opted_out()));

    let manual =
        OptedOutFilter::builder().name(OptedOutFilterName::EndUserOptedOut).values("false").build().expect("filter");
    let by_end_user =
        OptedOutFilter::builder().name(OptedOutFilterName::EndUserOptedOut).values("true").build().expect("filter");
    let kept = sms
        .describe_opted_out_numbers()
        .opt_out_list_name("Default")
        .filters(manual)
        .send()
        .await
        .expect("manual ones");
    assert_eq!(kept.opted_out_numbers().len(), 2);
    let kept = sms
        .describe_opted_out_numbers()
        .opt_out_list_name("Default")
        .filters(by_end_user)
        .send()
        .await
        .expect("end-user ones");
    assert!(kept.opted_out_numbers().is_empty());
    let one = sms
        .describe_opted_out_numbers()
        .opt_out_list_name("Default")
        .opted_out_numbers(number)
        .send()
        .await
        .expect("one number");
    assert_eq!(one.opted_out_numbers().len(), 1);
    let result =
        sms.describe_opted_out_numbers().opt_out_list_name("Default").opted_out_numbers("not-a-number").send().await;
    assert_eq!(reason!(result, DescribeOptedOutNumbersError::ValidationException), "INVALID_PARAMETER");
    let page = sms.describe_opted_out_numbers().opt_out_list_name("Default").max_results(1).send().await.expect("page");
    assert_eq!(page.opted_out_numbers().len(), 1);
    let rest = sms
        .describe_opted_out_numbers()
        .opt_out_list_name("Default")
        .max_results(1)
        .next_token(page.next_token().expect("more"))
        .send()
        .await
        .expect("next page");
    assert_eq!(rest.opted_out_numbers()[0].opted_out_number(), "+442071838750");
    assert!(rest.next_token().is_none());

    // Removing lets the number receive again; it can't be removed twice.
    let removed = sms
        .delete_opted_out_number()
        .opt_out_list_name("Default")
        .opted_out_number(number)
        .send()
        .await
        .expect("DeleteOptedOutNumber");
    assert_eq!(removed.opted_out_number(), Some(number));
    assert!(!removed.end_user_opted_out());
    let left = sms.describe_opted_out_numbers().opt_out_list_name("Default").send().await.expect("describe");
    assert_eq!(left.opted_out_numbers().len(), 1);
    let result = sms.delete_opted_out_number().opt_out_list_name("Default").opted_out_number(number).send().await;
    assert_eq!(
        not_found!(result, DeleteOptedOutNumberError::ResourceNotFoundException),
        (ResourceType::OptedOutNumber, number.to_string())
    );

    // Back in the list, but a number can be removed only once every 30 days.
    sms.put_opted_out_number().opt_out_list_name("Default").opted_out_number(number).send().await.expect("put back");
    let result = sms.delete_opted_out_number().opt_out_list_name("Default").opted_out_number(number).send().await;
    assert_eq!(reason!(result, DeleteOptedOutNumberError::ValidationException), "PHONE_NUMBER_CANNOT_BE_OPTED_IN");
}

#[tokio::test]
async fn deleting_a_list_deletes_its_numbers() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    sms.create_opt_out_list().opt_out_list_name("temp").send().await.expect("create");
    sms.put_opted_out_number().opt_out_list_name("temp").opted_out_number("+12065550143").send().await.expect("put");
    sms.delete_opt_out_list().opt_out_list_name("temp").send().await.expect("delete a list with numbers");
    let result = sms.describe_opted_out_numbers().opt_out_list_name("temp").send().await;
    assert_eq!(
        not_found!(result, DescribeOptedOutNumbersError::ResourceNotFoundException),
        (ResourceType::OptOutList, "temp".to_string())
    );
    sms.create_opt_out_list().opt_out_list_name("temp").send().await.expect("create again");
    let numbers = sms.describe_opted_out_numbers().opt_out_list_name("temp").send().await.expect("describe");
    assert!(numbers.opted_out_numbers().is_empty());
}
