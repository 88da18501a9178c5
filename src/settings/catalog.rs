//! The settings catalogue: for every `config` item spanel knows, the task it belongs to, the type
//! of its value (which decides the admin UI's control and how a new value is checked) and its
//! label and help in English and Chinese. Values are stored exactly as SSPanel stores them:
//! switches as `1`/`0`, numbers as decimal text, `payment_gateway` as a JSON list of names,
//! the `user_*` lists comma separated.
//!
//! Pure data and pure checks: no database, no clock.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

/// The task a setting belongs to: one tab of the settings page, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Site,
    Signup,
    NewUser,
    Features,
    Invite,
    Shop,
    Payment,
    Gateway,
    Nodes,
    Email,
    Monitor,
    /// Settings known to spanel but not yet catalogued.
    Other,
}

pub const GROUPS: &[Group] = &[
    Group::Site,
    Group::Signup,
    Group::NewUser,
    Group::Features,
    Group::Invite,
    Group::Shop,
    Group::Payment,
    Group::Gateway,
    Group::Nodes,
    Group::Email,
    Group::Monitor,
    Group::Other,
];

/// What a number counts; the UI shows it beside the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    None,
    Seconds,
    Days,
    Mb,
    Gb,
    Mbps,
    Money,
    Ratio,
}

/// How a list is stored in its `config` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListFormat {
    /// `["a","b"]`, as SSPanel keeps `payment_gateway`.
    Json,
    /// `a,b`, as the `user_methods` lists.
    Comma,
}

/// What one text value must look like (empty is always allowed unless `required`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TextRule {
    Any,
    Url,
    Email,
}

/// One option of a choice.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Choice {
    pub value: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
}

const fn c(value: &'static str, en: &'static str, zh: &'static str) -> Choice {
    Choice { value, en, zh }
}

/// The type of a setting's value.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SettingType {
    /// On/off, stored `1`/`0`.
    Switch,
    /// A whole number in `min..=max`.
    Number { unit: Unit, min: i64, max: i64 },
    /// A decimal in `min..=max` with at most `scale` places (ratios, money).
    Decimal {
        unit: Unit,
        min: i64,
        max: i64,
        scale: u32,
    },
    /// One of the options.
    Choice {
        #[schema(value_type = Vec<Object>)]
        options: &'static [Choice],
    },
    /// A list of names; `options` are offered as checkboxes, `open` allows others too.
    List {
        format: ListFormat,
        #[schema(value_type = Vec<String>)]
        options: &'static [&'static str],
        open: bool,
        /// Items are decimals in 0..=1 (commission levels).
        ratios: bool,
    },
    /// Free text up to `max` characters.
    Text {
        multiline: bool,
        rule: TextRule,
        max: usize,
    },
    /// Write-only: never sent back, shown as set or not set. `json_list`: a JSON list.
    Secret { json_list: bool },
}

/// One catalogued setting.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct SettingMeta {
    pub item: &'static str,
    pub group: Group,
    #[serde(flatten)]
    pub ty: SettingType,
    pub label_en: &'static str,
    pub label_zh: &'static str,
    pub help_en: &'static str,
    pub help_zh: &'static str,
}

impl SettingMeta {
    pub fn is_secret(&self) -> bool {
        matches!(self.ty, SettingType::Secret { .. })
    }
}

#[allow(clippy::too_many_arguments)]
const fn m(
    item: &'static str,
    group: Group,
    ty: SettingType,
    label_en: &'static str,
    label_zh: &'static str,
    help_en: &'static str,
    help_zh: &'static str,
) -> SettingMeta {
    SettingMeta {
        item,
        group,
        ty,
        label_en,
        label_zh,
        help_en,
        help_zh,
    }
}

const SWITCH: SettingType = SettingType::Switch;
const fn num(unit: Unit, min: i64, max: i64) -> SettingType {
    SettingType::Number { unit, min, max }
}
const fn text(max: usize) -> SettingType {
    SettingType::Text {
        multiline: false,
        rule: TextRule::Any,
        max,
    }
}
const fn url() -> SettingType {
    SettingType::Text {
        multiline: false,
        rule: TextRule::Url,
        max: 512,
    }
}
const fn long_text() -> SettingType {
    SettingType::Text {
        multiline: true,
        rule: TextRule::Any,
        max: 65_535,
    }
}
const SECRET: SettingType = SettingType::Secret { json_list: false };
const fn names(options: &'static [&'static str], open: bool) -> SettingType {
    SettingType::List {
        format: ListFormat::Comma,
        options,
        open,
        ratios: false,
    }
}

const MONEY_MAX: i64 = 1_000_000;
const TRAFFIC_MAX_GB: i64 = 1_000_000;

use Group::*;

pub const APP_NAME: SettingMeta = m(
    "app_name",
    Site,
    text(64),
    "Site name",
    "站点名称",
    "Shown to users and used in subscription file names.",
    "显示给用户，也用于订阅文件名。",
);
pub const REG_MODE: SettingMeta = m(
    "reg_mode",
    Signup,
    SettingType::Choice {
        options: &[
            c("open", "Open to everyone", "开放注册"),
            c("invite", "Invitation only", "仅限邀请"),
            c("close", "Closed", "关闭注册"),
        ],
    },
    "Who may sign up",
    "注册模式",
    "Invitation only asks for an invite code at sign-up.",
    "仅限邀请时，注册需要填写邀请码。",
);
pub const REG_EMAIL_VERIFY: SettingMeta = m(
    "reg_email_verify",
    Signup,
    SWITCH,
    "Verify e-mail at sign-up",
    "注册时验证邮箱",
    "Sign-up needs a code sent to the address (needs working e-mail).",
    "注册需要填写发送到邮箱的验证码（需先配置邮件）。",
);
pub const EMAIL_VERIFY_TTL: SettingMeta = m(
    "email_verify_ttl",
    Signup,
    num(Unit::Seconds, 60, 86_400),
    "Sign-up code lifetime",
    "注册验证码有效期",
    "How long an e-mailed sign-up code works.",
    "邮件验证码的有效时间。",
);
pub const EMAIL_VERIFY_IP_LIMIT: SettingMeta = m(
    "email_verify_ip_limit",
    Signup,
    num(Unit::None, 1, 1000),
    "Open codes per address",
    "每个 IP 的未用验证码数",
    "Sign-up codes one client address may have open at once.",
    "同一客户端地址同时可持有的未使用验证码数量。",
);
pub const SIGN_UP_FOR_FREE_TRAFFIC: SettingMeta = m(
    "sign_up_for_free_traffic",
    NewUser,
    num(Unit::Gb, 0, TRAFFIC_MAX_GB),
    "Free traffic",
    "赠送流量",
    "Traffic a new account starts with.",
    "新账号初始拥有的流量。",
);
pub const SIGN_UP_FOR_FREE_TIME: SettingMeta = m(
    "sign_up_for_free_time",
    NewUser,
    num(Unit::Days, 0, 36_500),
    "Account validity",
    "账号有效期",
    "Days until a new account expires.",
    "新账号的到期天数。",
);
pub const SIGN_UP_FOR_CLASS: SettingMeta = m(
    "sign_up_for_class",
    NewUser,
    num(Unit::None, 0, 255),
    "Starting class",
    "初始等级",
    "The class (level) a new account gets; nodes serve users of their class and above.",
    "新账号的等级；节点只服务不低于其等级的用户。",
);
pub const SIGN_UP_FOR_CLASS_TIME: SettingMeta = m(
    "sign_up_for_class_time",
    NewUser,
    num(Unit::Days, 0, 36_500),
    "Starting class lasts",
    "初始等级时长",
    "Days until the starting class ends.",
    "初始等级的持续天数。",
);
pub const SIGN_UP_FOR_INVITATION_CODES: SettingMeta = m(
    "sign_up_for_invitation_codes",
    NewUser,
    num(Unit::None, 0, 100_000),
    "Invitations per user",
    "每位用户的邀请次数",
    "How many people a new user may invite.",
    "新用户可以邀请的人数。",
);
pub const CONNECTION_DEVICE_LIMIT: SettingMeta = m(
    "connection_device_limit",
    NewUser,
    num(Unit::None, 0, 10_000),
    "Device limit",
    "设备数限制",
    "Devices a new account may use at once; 0 = no limit.",
    "新账号可同时在线的设备数；0 表示不限。",
);
pub const CONNECTION_RATE_LIMIT: SettingMeta = m(
    "connection_rate_limit",
    NewUser,
    num(Unit::Mbps, 0, 100_000),
    "Speed limit",
    "限速",
    "Speed limit of a new account; 0 = no limit.",
    "新账号的速度限制；0 表示不限。",
);
pub const SIGN_UP_FOR_DAILY_REPORT: SettingMeta = m(
    "sign_up_for_daily_report",
    NewUser,
    SWITCH,
    "Daily usage mail",
    "每日用量邮件",
    "New users receive the daily usage e-mail unless they turn it off.",
    "新用户默认接收每日用量邮件（可自行关闭）。",
);
pub const SIGN_UP_FOR_METHOD: SettingMeta = m(
    "sign_up_for_method",
    NewUser,
    text(64),
    "Shadowsocks method",
    "Shadowsocks 加密方式",
    "The method a new account starts with, e.g. aes-128-gcm.",
    "新账号的默认加密方式，例如 aes-128-gcm。",
);
pub const SIGN_UP_FOR_PROTOCOL: SettingMeta = m(
    "sign_up_for_protocol",
    NewUser,
    text(64),
    "ShadowsocksR protocol",
    "ShadowsocksR 协议",
    "The protocol a new account starts with, e.g. origin.",
    "新账号的默认协议，例如 origin。",
);
pub const SIGN_UP_FOR_PROTOCOL_PARAM: SettingMeta = m(
    "sign_up_for_protocol_param",
    NewUser,
    text(255),
    "Protocol parameter",
    "协议参数",
    "Usually empty.",
    "通常留空。",
);
pub const SIGN_UP_FOR_OBFS: SettingMeta = m(
    "sign_up_for_obfs",
    NewUser,
    text(64),
    "ShadowsocksR obfuscation",
    "ShadowsocksR 混淆",
    "The obfuscation a new account starts with, e.g. plain.",
    "新账号的默认混淆，例如 plain。",
);
pub const SIGN_UP_FOR_OBFS_PARAM: SettingMeta = m(
    "sign_up_for_obfs_param",
    NewUser,
    text(255),
    "Obfuscation parameter",
    "混淆参数",
    "Usually empty; a host name for http_simple or tls1.2_ticket_auth.",
    "通常留空；http_simple 或 tls1.2_ticket_auth 时可填伪装域名。",
);
pub const ENABLE_CHECKIN: SettingMeta = m(
    "enable_checkin",
    Features,
    SWITCH,
    "Daily check-in",
    "每日签到",
    "Users may check in once a day for a little traffic.",
    "用户每天可签到一次获得少量流量。",
);
pub const CHECKIN_MIN: SettingMeta = m(
    "checkin_min",
    Features,
    num(Unit::Mb, 0, 1_048_576),
    "Check-in traffic at least",
    "签到最少流量",
    "The smallest traffic a check-in gives.",
    "一次签到最少获得的流量。",
);
pub const CHECKIN_MAX: SettingMeta = m(
    "checkin_max",
    Features,
    num(Unit::Mb, 0, 1_048_576),
    "Check-in traffic at most",
    "签到最多流量",
    "The largest traffic a check-in gives.",
    "一次签到最多获得的流量。",
);
pub const LOGIN_ALERT: SettingMeta = m(
    "login_alert",
    Features,
    SWITCH,
    "New-address login e-mail",
    "异地登录提醒",
    "E-mail users when their account logs in from a new address.",
    "账号从新地址登录时给用户发邮件。",
);
pub const ENABLE_KILL: SettingMeta = m(
    "enable_kill",
    Features,
    SWITCH,
    "Self-service account deletion",
    "允许用户删除账号",
    "Users may delete their own account.",
    "用户可以自行删除自己的账号。",
);
pub const USER_METHODS: SettingMeta = m(
    "user_methods",
    Features,
    names(&[], true),
    "Methods users may choose",
    "用户可选的加密方式",
    "Shadowsocks methods offered on the user's settings page, one per line.",
    "用户设置页可选的 Shadowsocks 加密方式，每行一个。",
);
pub const USER_PROTOCOLS: SettingMeta = m(
    "user_protocols",
    Features,
    names(&[], true),
    "Protocols users may choose",
    "用户可选的协议",
    "ShadowsocksR protocols offered to users, one per line.",
    "用户可选的 ShadowsocksR 协议，每行一个。",
);
pub const USER_OBFS: SettingMeta = m(
    "user_obfs",
    Features,
    names(&[], true),
    "Obfuscations users may choose",
    "用户可选的混淆",
    "ShadowsocksR obfuscations offered to users, one per line.",
    "用户可选的 ShadowsocksR 混淆，每行一个。",
);
pub const INVITATION_TO_REGISTER_BALANCE_REWARD: SettingMeta = m(
    "invitation_to_register_balance_reward",
    Invite,
    num(Unit::Money, 0, MONEY_MAX),
    "Money reward per sign-up",
    "每次邀请注册的余额奖励",
    "Balance the inviter gets when someone signs up with their code.",
    "被邀请人注册后邀请人获得的余额。",
);
pub const INVITATION_TO_REGISTER_TRAFFIC_REWARD: SettingMeta = m(
    "invitation_to_register_traffic_reward",
    Invite,
    num(Unit::Gb, 0, TRAFFIC_MAX_GB),
    "Traffic reward per sign-up",
    "每次邀请注册的流量奖励",
    "Traffic the inviter gets when someone signs up with their code.",
    "被邀请人注册后邀请人获得的流量。",
);
pub const INVITATION_MODE: SettingMeta = m(
    "invitation_mode",
    Invite,
    SettingType::Choice {
        options: &[
            c("after_recharge", "On every top-up", "充值后返利"),
            c("after_purchase", "On every plan purchase", "购买套餐后返利"),
            c("none", "Never", "不返利"),
        ],
    },
    "When commission is paid",
    "返利时机",
    "What a referred user's payment must be for the inviter to earn commission.",
    "被邀请人何种付款会给邀请人带来返利。",
);
pub const INVITE_REBATE_MODE: SettingMeta = m(
    "invite_rebate_mode",
    Invite,
    SettingType::Choice {
        options: &[
            c("continued", "Always", "持续返利"),
            c("limit_frequency", "A limited number of times", "限制次数"),
            c("limit_amount", "Up to an amount", "限制金额"),
            c("limit_time_range", "Within days of sign-up", "限制时间范围"),
        ],
    },
    "Commission limit",
    "返利限制",
    "How long commission on one referred user keeps being paid; the limits are below.",
    "对同一被邀请人的返利持续多久；具体限制见下方。",
);
pub const REBATE_RATIO: SettingMeta = m(
    "rebate_ratio",
    Invite,
    SettingType::Decimal {
        unit: Unit::Ratio,
        min: 0,
        max: 1,
        scale: 4,
    },
    "Commission ratio",
    "返利比例",
    "Share of the payment the inviter earns, e.g. 0.2 = 20%.",
    "邀请人获得的付款比例，例如 0.2 = 20%。",
);
pub const REBATE_LEVELS: SettingMeta = m(
    "rebate_levels",
    Invite,
    SettingType::List {
        format: ListFormat::Comma,
        options: &[],
        open: true,
        ratios: true,
    },
    "Multi-level ratios",
    "多级返利比例",
    "One ratio per line: the inviter, then the inviter's inviter… Empty = the ratio above only.",
    "每行一个比例：邀请人、邀请人的邀请人……留空则只按上面的返利比例。",
);
pub const REBATE_FREQUENCY_LIMIT: SettingMeta = m(
    "rebate_frequency_limit",
    Invite,
    num(Unit::None, 0, 100_000),
    "Commission times per user",
    "每位被邀请人的返利次数",
    "With the \"limited number of times\" limit.",
    "用于“限制次数”。",
);
pub const REBATE_AMOUNT_LIMIT: SettingMeta = m(
    "rebate_amount_limit",
    Invite,
    num(Unit::Money, 0, MONEY_MAX),
    "Commission amount per user",
    "每位被邀请人的返利总额",
    "With the \"up to an amount\" limit.",
    "用于“限制金额”。",
);
pub const REBATE_TIME_RANGE_LIMIT: SettingMeta = m(
    "rebate_time_range_limit",
    Invite,
    num(Unit::Days, 0, 36_500),
    "Commission window",
    "返利时间范围",
    "With the \"within days of sign-up\" limit.",
    "用于“限制时间范围”。",
);
pub const ENABLE_BOUGHT_RESET: SettingMeta = m(
    "enable_bought_reset",
    Shop,
    SWITCH,
    "Buying resets used traffic",
    "购买套餐时重置已用流量",
    "A purchase sets the user's used traffic back to zero.",
    "购买套餐会把用户已用流量清零。",
);
pub const ENABLE_BOUGHT_EXTEND: SettingMeta = m(
    "enable_bought_extend",
    Shop,
    SWITCH,
    "Same class extends expiry",
    "同等级续期",
    "Buying a plan of the user's current class adds to its expiry instead of restarting it.",
    "购买与当前等级相同的套餐时，在原到期时间上延长而非重新计算。",
);
pub const CLASS_EXPIRE_RESET_TRAFFIC: SettingMeta = m(
    "class_expire_reset_traffic",
    Shop,
    num(Unit::Gb, -1, TRAFFIC_MAX_GB),
    "Traffic left when a class expires",
    "等级到期后的流量",
    "The user's traffic is set to this when their class runs out; -1 keeps it.",
    "等级到期后用户流量重置为此值；-1 表示保持不变。",
);
pub const NOTIFY_LIMIT_MODE: SettingMeta = m(
    "notify_limit_mode",
    Email,
    SettingType::Choice {
        options: &[
            c("false", "Off", "关闭"),
            c(
                "per",
                "When the percent left falls below",
                "剩余百分比低于阈值时",
            ),
            c("mb", "When the MB left fall below", "剩余 MB 低于阈值时"),
        ],
    },
    "Low-traffic e-mail",
    "流量不足提醒",
    "Paying users get one e-mail when their traffic runs low.",
    "付费用户流量不足时收到一封提醒邮件。",
);
pub const NOTIFY_LIMIT_VALUE: SettingMeta = m(
    "notify_limit_value",
    Email,
    num(Unit::None, 0, 1_000_000),
    "Low-traffic threshold",
    "流量不足阈值",
    "Percent or MB left, as chosen above.",
    "剩余百分比或 MB，取决于上面的选择。",
);
pub const KEEP_CONNECT: SettingMeta = m(
    "keep_connect",
    Nodes,
    SWITCH,
    "Keep over-quota users at 1 Mbps",
    "超额用户限速 1 Mbps",
    "Users out of traffic stay connected at 1 Mbps instead of being cut off.",
    "流量用尽的用户以 1 Mbps 保持连接，而不是断开。",
);
pub const ENABLE_HOURLY_USAGE: SettingMeta = m(
    "enable_hourly_usage",
    Nodes,
    SWITCH,
    "Record hourly usage",
    "记录每小时用量",
    "Keeps per-user hourly traffic rows for reports and the users' usage page.",
    "保存每位用户每小时的流量记录，用于报表和用户用量页。",
);
pub const NODE_OFFLINE_TIMEOUT: SettingMeta = m(
    "node_offline_timeout",
    Nodes,
    num(Unit::Seconds, 30, 86_400),
    "Node offline after",
    "节点离线判定时间",
    "A node without a heartbeat this long counts as offline.",
    "节点超过此时间没有心跳即视为离线。",
);
pub const SUB_CLASH_TEMPLATE: SettingMeta = m(
    "sub_clash_template",
    Nodes,
    long_text(),
    "Clash template",
    "Clash 模板",
    "YAML with proxy-groups and rules; {{proxies}} expands to every proxy name. Empty = built in.",
    "包含 proxy-groups 与 rules 的 YAML；{{proxies}} 会展开为所有节点名。留空使用内置模板。",
);
pub const SUBSCRIBE_RATE_LIMIT_PER_HOUR: SettingMeta = m(
    "subscribe_rate_limit_per_hour",
    Nodes,
    num(Unit::None, 0, 100_000),
    "Subscription fetches per hour",
    "每小时订阅获取次数",
    "Per subscription link; 0 = unlimited.",
    "每个订阅链接；0 表示不限。",
);
pub const PAYMENT_GATEWAY: SettingMeta = m(
    "payment_gateway",
    Payment,
    SettingType::List {
        format: ListFormat::Json,
        options: &[],
        open: true,
        ratios: false,
    },
    "Enabled gateways",
    "启用的支付网关",
    "Users pay through the gateways ticked here; set each one's keys first.",
    "用户可通过勾选的网关付款；请先填写各网关的密钥。",
);
pub const RECHARGE_MIN: SettingMeta = m(
    "recharge_min",
    Payment,
    num(Unit::Money, 0, MONEY_MAX),
    "Smallest top-up",
    "最低充值金额",
    "",
    "",
);
pub const RECHARGE_MAX: SettingMeta = m(
    "recharge_max",
    Payment,
    num(Unit::Money, 1, MONEY_MAX),
    "Largest top-up",
    "最高充值金额",
    "",
    "",
);

macro_rules! gateway_field {
    ($name:ident, $item:literal, $ty:expr, $en:literal, $zh:literal) => {
        pub const $name: SettingMeta = m($item, Gateway, $ty, $en, $zh, "", "");
    };
}

gateway_field!(
    EPAY_URL,
    "epay_url",
    url(),
    "EPay gateway URL",
    "EPay 网关地址"
);
gateway_field!(
    EPAY_PID,
    "epay_pid",
    text(64),
    "EPay merchant id",
    "EPay 商户号"
);
gateway_field!(
    EPAY_KEY,
    "epay_key",
    SECRET,
    "EPay merchant key",
    "EPay 商户密钥"
);
gateway_field!(
    EPAY_PROVIDERS,
    "epay_providers",
    SettingType::Secret { json_list: true },
    "EPay-compatible providers (JSON list)",
    "EPay 兼容服务商（JSON 列表）"
);
gateway_field!(
    STRIPE_SK,
    "stripe_sk",
    SECRET,
    "Stripe secret key",
    "Stripe 密钥"
);
gateway_field!(
    STRIPE_WEBHOOK_KEY,
    "stripe_webhook_key",
    SECRET,
    "Stripe webhook secret",
    "Stripe Webhook 密钥"
);
gateway_field!(
    STRIPE_CURRENCY,
    "stripe_currency",
    text(8),
    "Stripe currency",
    "Stripe 币种"
);
gateway_field!(
    F2F_PAY_APP_ID,
    "f2f_pay_app_id",
    text(64),
    "Alipay F2F app id",
    "支付宝当面付 App ID"
);
gateway_field!(
    F2F_PAY_PRIVATE_KEY,
    "f2f_pay_private_key",
    SECRET,
    "Alipay F2F private key",
    "支付宝当面付应用私钥"
);
gateway_field!(
    F2F_PAY_PUBLIC_KEY,
    "f2f_pay_public_key",
    long_text(),
    "Alipay public key",
    "支付宝公钥"
);
gateway_field!(
    WECHAT_APPID,
    "wechat_appid",
    text(64),
    "WeChat Pay app id",
    "微信支付 AppID"
);
gateway_field!(
    WECHAT_MCHID,
    "wechat_mchid",
    text(64),
    "WeChat Pay merchant id",
    "微信支付商户号"
);
gateway_field!(
    WECHAT_SERIAL_NO,
    "wechat_serial_no",
    text(128),
    "WeChat Pay certificate serial",
    "微信支付证书序列号"
);
gateway_field!(
    WECHAT_PRIVATE_KEY,
    "wechat_private_key",
    SECRET,
    "WeChat Pay private key",
    "微信支付商户私钥"
);
gateway_field!(
    WECHAT_PLATFORM_PUBLIC_KEY,
    "wechat_platform_public_key",
    long_text(),
    "WeChat Pay platform public key",
    "微信支付平台公钥"
);
gateway_field!(
    WECHAT_APIV3_KEY,
    "wechat_apiv3_key",
    SECRET,
    "WeChat Pay APIv3 key",
    "微信支付 APIv3 密钥"
);
gateway_field!(
    PAYPAL_MODE,
    "paypal_mode",
    SettingType::Choice {
        options: &[
            c("sandbox", "Sandbox (testing)", "沙盒（测试）"),
            c("live", "Live", "正式"),
        ],
    },
    "PayPal environment",
    "PayPal 环境"
);
gateway_field!(
    PAYPAL_CLIENT_ID,
    "paypal_client_id",
    text(128),
    "PayPal client id",
    "PayPal Client ID"
);
gateway_field!(
    PAYPAL_CLIENT_SECRET,
    "paypal_client_secret",
    SECRET,
    "PayPal secret",
    "PayPal Secret"
);
gateway_field!(
    PAYPAL_CURRENCY,
    "paypal_currency",
    text(8),
    "PayPal currency",
    "PayPal 币种"
);
gateway_field!(
    PAYPAL_WEBHOOK_ID,
    "paypal_webhook_id",
    text(128),
    "PayPal webhook id",
    "PayPal Webhook ID"
);
gateway_field!(
    PAYPAL_LOCALE,
    "paypal_locale",
    text(16),
    "PayPal checkout language",
    "PayPal 结账语言"
);
gateway_field!(
    WECHAT_V2_APPID,
    "wechat_v2_appid",
    text(64),
    "WeChat Pay v2 app id",
    "微信支付 v2 AppID"
);
gateway_field!(
    WECHAT_V2_MCHID,
    "wechat_v2_mchid",
    text(64),
    "WeChat Pay v2 merchant id",
    "微信支付 v2 商户号"
);
gateway_field!(
    WECHAT_V2_KEY,
    "wechat_v2_key",
    SECRET,
    "WeChat Pay v2 API key",
    "微信支付 v2 API 密钥"
);
gateway_field!(
    WECHAT_V2_SIGN_TYPE,
    "wechat_v2_sign_type",
    SettingType::Choice {
        options: &[
            c("MD5", "MD5", "MD5"),
            c("HMAC-SHA256", "HMAC-SHA256", "HMAC-SHA256"),
        ],
    },
    "WeChat Pay v2 signature",
    "微信支付 v2 签名方式"
);
gateway_field!(YFT_URL, "yft_url", url(), "Yft order page", "Yft 下单地址");
gateway_field!(YFT_SECRET, "yft_secret", SECRET, "Yft secret", "Yft 密钥");
gateway_field!(
    YFT_NOTIFY_IPS,
    "yft_notify_ips",
    names(&[], true),
    "Yft notify addresses",
    "Yft 回调来源地址"
);
gateway_field!(
    EPUSDT_URL,
    "epusdt_url",
    url(),
    "epusdt server URL",
    "epusdt 服务地址"
);
gateway_field!(
    EPUSDT_TOKEN,
    "epusdt_token",
    SECRET,
    "epusdt API token",
    "epusdt API 令牌"
);

pub const SMTP_HOST: SettingMeta = m(
    "smtp_host",
    Email,
    text(255),
    "SMTP server",
    "SMTP 服务器",
    "Empty = no e-mail is sent.",
    "留空则不发送邮件。",
);
pub const SMTP_PORT: SettingMeta = m(
    "smtp_port",
    Email,
    num(Unit::None, 1, 65_535),
    "SMTP port",
    "SMTP 端口",
    "Usually 465 (TLS) or 587 (STARTTLS).",
    "通常为 465（TLS）或 587（STARTTLS）。",
);
pub const SMTP_SSL: SettingMeta = m(
    "smtp_ssl",
    Email,
    SettingType::Choice {
        options: &[
            c("1", "TLS from the start (port 465)", "直接 TLS（465 端口）"),
            c("starttls", "STARTTLS (port 587)", "STARTTLS（587 端口）"),
            c("0", "None (plain text)", "不加密"),
        ],
    },
    "SMTP encryption",
    "SMTP 加密方式",
    "",
    "",
);
pub const SMTP_USERNAME: SettingMeta = m(
    "smtp_username",
    Email,
    text(255),
    "SMTP login",
    "SMTP 用户名",
    "Empty = the server needs no login.",
    "留空表示服务器无需登录。",
);
pub const SMTP_PASSWORD: SettingMeta = m(
    "smtp_password",
    Email,
    SECRET,
    "SMTP password",
    "SMTP 密码",
    "",
    "",
);
pub const SMTP_NAME: SettingMeta = m(
    "smtp_name",
    Email,
    text(64),
    "Sender name",
    "发件人名称",
    "",
    "",
);
pub const SMTP_SENDER: SettingMeta = m(
    "smtp_sender",
    Email,
    SettingType::Text {
        multiline: false,
        rule: TextRule::Email,
        max: 255,
    },
    "Sender address",
    "发件地址",
    "",
    "",
);
pub const EMAIL_LANGUAGE: SettingMeta = m(
    "email_language",
    Email,
    SettingType::Choice {
        options: &[c("en", "English", "英语"), c("zh-CN", "Chinese", "中文")],
    },
    "Language of scheduled e-mails",
    "定时邮件语言",
    "Expiry, traffic and renewal notices are written in this language.",
    "到期、流量、续费等通知邮件使用的语言。",
);
pub const EMAIL_MAX_ATTEMPTS: SettingMeta = m(
    "email_max_attempts",
    Email,
    num(Unit::None, 1, 100),
    "Sending attempts",
    "发送尝试次数",
    "A queued e-mail is given up after this many failed attempts.",
    "排队邮件失败这么多次后放弃。",
);
pub const EMAIL_PER_MINUTE: SettingMeta = m(
    "email_per_minute",
    Email,
    num(Unit::None, 1, 1000),
    "E-mails per minute",
    "每分钟发送邮件数",
    "At most this many queued e-mails (mass mailings included) are sent each minute; keep it under your SMTP provider's rate limit.",
    "每分钟最多发送这么多封排队邮件（含群发）；请低于 SMTP 服务商的频率限制。",
);
pub const MONITOR_WEBHOOK_URL: SettingMeta = m(
    "monitor_webhook_url",
    Monitor,
    url(),
    "Webhook URL",
    "Webhook 地址",
    "Receives node down/up notices as JSON; empty = off.",
    "以 JSON 接收节点离线/恢复通知；留空关闭。",
);
pub const MONITOR_TELEGRAM_TOKEN: SettingMeta = m(
    "monitor_telegram_token",
    Monitor,
    SECRET,
    "Telegram bot token",
    "Telegram 机器人令牌",
    "Empty = no Telegram notices.",
    "留空则不发送 Telegram 通知。",
);
pub const MONITOR_TELEGRAM_CHAT_ID: SettingMeta = m(
    "monitor_telegram_chat_id",
    Monitor,
    text(64),
    "Telegram chat id",
    "Telegram 聊天 ID",
    "",
    "",
);
pub const MONITOR_EMAIL: SettingMeta = m(
    "monitor_email",
    Monitor,
    SettingType::Text {
        multiline: false,
        rule: TextRule::Email,
        max: 255,
    },
    "Notice e-mail address",
    "通知邮箱",
    "Receives node notices by e-mail; empty = off.",
    "以邮件接收节点通知；留空关闭。",
);

/// Every catalogued setting, in page order.
pub const CATALOG: &[&SettingMeta] = &[
    &APP_NAME,
    &REG_MODE,
    &REG_EMAIL_VERIFY,
    &EMAIL_VERIFY_TTL,
    &EMAIL_VERIFY_IP_LIMIT,
    &SIGN_UP_FOR_FREE_TRAFFIC,
    &SIGN_UP_FOR_FREE_TIME,
    &SIGN_UP_FOR_CLASS,
    &SIGN_UP_FOR_CLASS_TIME,
    &SIGN_UP_FOR_INVITATION_CODES,
    &CONNECTION_DEVICE_LIMIT,
    &CONNECTION_RATE_LIMIT,
    &SIGN_UP_FOR_DAILY_REPORT,
    &SIGN_UP_FOR_METHOD,
    &SIGN_UP_FOR_PROTOCOL,
    &SIGN_UP_FOR_PROTOCOL_PARAM,
    &SIGN_UP_FOR_OBFS,
    &SIGN_UP_FOR_OBFS_PARAM,
    &ENABLE_CHECKIN,
    &CHECKIN_MIN,
    &CHECKIN_MAX,
    &LOGIN_ALERT,
    &ENABLE_KILL,
    &USER_METHODS,
    &USER_PROTOCOLS,
    &USER_OBFS,
    &INVITATION_TO_REGISTER_BALANCE_REWARD,
    &INVITATION_TO_REGISTER_TRAFFIC_REWARD,
    &INVITATION_MODE,
    &INVITE_REBATE_MODE,
    &REBATE_RATIO,
    &REBATE_LEVELS,
    &REBATE_FREQUENCY_LIMIT,
    &REBATE_AMOUNT_LIMIT,
    &REBATE_TIME_RANGE_LIMIT,
    &ENABLE_BOUGHT_RESET,
    &ENABLE_BOUGHT_EXTEND,
    &CLASS_EXPIRE_RESET_TRAFFIC,
    &PAYMENT_GATEWAY,
    &RECHARGE_MIN,
    &RECHARGE_MAX,
    &EPAY_URL,
    &EPAY_PID,
    &EPAY_KEY,
    &EPAY_PROVIDERS,
    &STRIPE_SK,
    &STRIPE_WEBHOOK_KEY,
    &STRIPE_CURRENCY,
    &F2F_PAY_APP_ID,
    &F2F_PAY_PRIVATE_KEY,
    &F2F_PAY_PUBLIC_KEY,
    &WECHAT_APPID,
    &WECHAT_MCHID,
    &WECHAT_SERIAL_NO,
    &WECHAT_PRIVATE_KEY,
    &WECHAT_PLATFORM_PUBLIC_KEY,
    &WECHAT_APIV3_KEY,
    &PAYPAL_MODE,
    &PAYPAL_CLIENT_ID,
    &PAYPAL_CLIENT_SECRET,
    &PAYPAL_CURRENCY,
    &PAYPAL_WEBHOOK_ID,
    &PAYPAL_LOCALE,
    &WECHAT_V2_APPID,
    &WECHAT_V2_MCHID,
    &WECHAT_V2_KEY,
    &WECHAT_V2_SIGN_TYPE,
    &YFT_URL,
    &YFT_SECRET,
    &YFT_NOTIFY_IPS,
    &EPUSDT_URL,
    &EPUSDT_TOKEN,
    &KEEP_CONNECT,
    &ENABLE_HOURLY_USAGE,
    &NODE_OFFLINE_TIMEOUT,
    &SUB_CLASH_TEMPLATE,
    &SUBSCRIBE_RATE_LIMIT_PER_HOUR,
    &SMTP_HOST,
    &SMTP_PORT,
    &SMTP_SSL,
    &SMTP_USERNAME,
    &SMTP_PASSWORD,
    &SMTP_NAME,
    &SMTP_SENDER,
    &EMAIL_LANGUAGE,
    &EMAIL_MAX_ATTEMPTS,
    &EMAIL_PER_MINUTE,
    &NOTIFY_LIMIT_MODE,
    &NOTIFY_LIMIT_VALUE,
    &MONITOR_WEBHOOK_URL,
    &MONITOR_TELEGRAM_TOKEN,
    &MONITOR_TELEGRAM_CHAT_ID,
    &MONITOR_EMAIL,
];

/// The catalogue entry of `item`.
pub fn find(item: &str) -> Option<&'static SettingMeta> {
    CATALOG.iter().copied().find(|m| m.item == item)
}

/// What every known setting not (yet) catalogued is treated as: text or a secret by its name,
/// under "Other", with its `mark` as help.
pub fn fallback(item: &'static str, secret: bool) -> SettingMeta {
    let ty = if secret { SECRET } else { long_text() };
    m(item, Other, ty, item, item, "", "")
}

/// Checks a new value against the setting's type; returns the text to store, exactly as SSPanel
/// stores it, or why it is refused.
pub fn normalize(meta: &SettingMeta, value: &str) -> Result<String, String> {
    let v = value.trim();
    match meta.ty {
        SettingType::Switch => match v {
            "1" | "true" | "on" | "yes" => Ok("1".into()),
            "0" | "false" | "off" | "no" => Ok("0".into()),
            _ => Err("must be on or off (1 or 0)".into()),
        },
        SettingType::Number { min, max, .. } => match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
            _ => Err(format!("must be a whole number from {min} to {max}")),
        },
        SettingType::Decimal {
            min, max, scale, ..
        } => decimal(v, min, max, scale).ok_or_else(|| {
            format!("must be a number from {min} to {max}, at most {scale} decimals")
        }),
        SettingType::Choice { options } => options
            .iter()
            .find(|o| o.value == v)
            .map(|o| o.value.to_string())
            .ok_or_else(|| {
                let names: Vec<_> = options.iter().map(|o| o.value).collect();
                format!("must be one of {}", names.join(", "))
            }),
        SettingType::List {
            format,
            options,
            open,
            ratios,
        } => list(v, format, options, open, ratios),
        SettingType::Text { rule, max, .. } => text_value(value, rule, max),
        SettingType::Secret { json_list } => {
            if json_list
                && !matches!(
                    serde_json::from_str::<serde_json::Value>(v),
                    Ok(serde_json::Value::Array(_))
                )
            {
                return Err("must be a JSON list".into());
            }
            if value.chars().count() > 65_535 {
                return Err("is too long".into());
            }
            Ok(if json_list {
                v.to_string()
            } else {
                value.to_string()
            })
        }
    }
}

fn decimal(v: &str, min: i64, max: i64, scale: u32) -> Option<String> {
    let d = Decimal::from_str(v).ok()?.normalize();
    (d.scale() <= scale && d >= Decimal::from(min) && d <= Decimal::from(max))
        .then(|| d.to_string())
}

/// A list arrives as a JSON list or as text (comma or line separated) and is stored in `format`.
fn list(
    v: &str,
    format: ListFormat,
    options: &[&str],
    open: bool,
    ratios: bool,
) -> Result<String, String> {
    let items: Vec<String> = if v.starts_with('[') {
        serde_json::from_str::<Vec<String>>(v).map_err(|_| "must be a list of names".to_string())?
    } else {
        v.split([',', '\n']).map(str::to_string).collect()
    };
    let mut out: Vec<String> = Vec::new();
    for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let fits = if ratios {
            decimal(item, 0, 1, 4).is_some()
        } else if format == ListFormat::Json {
            // Gateway names: what `payment_gateway` and `epay_providers` allow.
            item.len() <= 32
                && item
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        } else {
            item.len() <= 64
                && item
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-:/".contains(c))
        };
        if !fits || (!open && !options.contains(&item)) {
            return Err(format!("has an invalid item: {item}"));
        }
        if out.iter().any(|o| o == item) {
            return Err(format!("lists {item} twice"));
        }
        out.push(item.to_string());
    }
    if out.len() > 100 {
        return Err("has more than 100 items".into());
    }
    Ok(match format {
        ListFormat::Json => serde_json::to_string(&out).unwrap_or_else(|_| "[]".into()),
        ListFormat::Comma => out.join(","),
    })
}

fn text_value(value: &str, rule: TextRule, max: usize) -> Result<String, String> {
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    let v = value.trim();
    if v.is_empty() {
        return Ok(String::new());
    }
    match rule {
        TextRule::Any => Ok(value.to_string()),
        TextRule::Url => reqwest::Url::parse(v)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .map(|_| v.to_string())
            .ok_or_else(|| "must be an http(s) URL".into()),
        TextRule::Email => {
            let ok = v.split_once('@').is_some_and(|(l, d)| {
                !l.is_empty() && d.contains('.') && !v.contains(char::is_whitespace)
            });
            ok.then(|| v.to_string())
                .ok_or_else(|| "must be an e-mail address".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogued_item_is_known_once() {
        let mut seen = std::collections::HashSet::new();
        for m in CATALOG {
            assert!(seen.insert(m.item), "{} twice", m.item);
            assert!(
                super::super::KNOWN.iter().any(|k| k.item == m.item),
                "{} is not a known setting",
                m.item
            );
            assert!(!m.label_en.is_empty() && !m.label_zh.is_empty());
        }
    }

    #[test]
    fn defaults_fit_their_types() {
        for k in super::super::KNOWN {
            if let Some(m) = find(k.item) {
                if !m.is_secret() {
                    assert!(normalize(m, k.default).is_ok(), "{}: {}", k.item, k.default);
                }
            }
        }
    }

    #[test]
    fn values_are_stored_as_sspanel_does() {
        assert_eq!(normalize(&KEEP_CONNECT, "true").unwrap(), "1");
        assert_eq!(normalize(&NODE_OFFLINE_TIMEOUT, " 120 ").unwrap(), "120");
        assert!(normalize(&NODE_OFFLINE_TIMEOUT, "5").is_err());
        assert_eq!(normalize(&REBATE_RATIO, "0.250").unwrap(), "0.25");
        assert!(normalize(&REBATE_RATIO, "1.5").is_err());
        assert_eq!(
            normalize(&PAYMENT_GATEWAY, "[\"epay\",\"alipay\"]").unwrap(),
            "[\"epay\",\"alipay\"]"
        );
        assert_eq!(
            normalize(&PAYMENT_GATEWAY, "epay\nstripe").unwrap(),
            "[\"epay\",\"stripe\"]"
        );
        assert!(normalize(&PAYMENT_GATEWAY, "[\"a b\"]").is_err());
        assert_eq!(
            normalize(&USER_OBFS, "plain\nhttp_simple").unwrap(),
            "plain,http_simple"
        );
        assert!(normalize(&NOTIFY_LIMIT_MODE, "percent").is_err());
        assert_eq!(normalize(&REBATE_LEVELS, "0.2, 0.05").unwrap(), "0.2,0.05");
        assert!(normalize(&MONITOR_WEBHOOK_URL, "ftp://x").is_err());
        assert_eq!(normalize(&MONITOR_WEBHOOK_URL, "").unwrap(), "");
    }
}
