// SPDX-License-Identifier: AGPL-3.0-or-later
// The console's messages: zh-CN first, en the same keys (a test compares them
// and the keys the pages use). Nested here for reading; flat for t().

const zh = {
  app: {
    name: '电子印章管理平台', loading: '正在加载…', skip: '跳到正文', otherLang: 'English', signIn: '登录', signOut: '退出',
    footer: '电子印章管理平台 · 依据《电子印章管理办法》提供印章状态公开查询与在线核验',
    noPages: '本账号没有可用的页面', notYours: '本账号的角色不能使用此页面',
  },
  nav: {
    label: '主菜单', apply: '申请印章', applications: '我的申请', queue: '待办', seals: '印章', use: '用印申请',
    sealdoc: '文档盖章', units: '单位', approvals: '用印审批', audit: '审计日志', accounts: '账号与密钥', verify: '在线核验', status: '印章状态查询',
  },
  signin: {
    title: '登录', intro: '请使用管理员发放的账号登录。首次登录使用一次性密码，登录后须立即修改。',
    login: '账号', password: '密码', submit: '登录', public: '无需登录：',
  },
  password: {
    title: '修改密码', intro: '您使用的是一次性密码，请先设置新密码后再继续。', old: '一次性密码（当前密码）',
    new: '新密码', again: '再次输入新密码', rule: '至少 10 个字符，包含小写字母、大写字母、数字、其他符号中的三类，且不含账号名。',
    submit: '设置新密码并登录',
  },
  apply: {
    title: '申请电子印章', intro: '按《福建省电子印章申请指南》填写申请表。提交后由制章机构核对、审核，审核通过后制作、备案并交付。',
    required: '带 * 的为必填项。', section: { seal: '印章信息', handler: '经办人信息' },
    unit: '申请单位', choose: '请选择', business: '业务类型', target: '原印章编码（esID）', 'target.hint': '换发、变更、注销、挂失、补办等业务须填写原印章的 14 位编码',
    kind: '印章类别', function: '专用章用途', sealName: '印章名称', 'sealName.hint': '与单位全称一致，如“福建省示例厅”',
    width: '印模宽度（毫米）', height: '印模高度（毫米）', 'size.hint': '1–80 毫米的整数；单位公章通常直径 40 或 42 毫米',
    size: '印模尺寸', 'size.value': '{w} × {h} 毫米', handlerName: '经办人姓名', mobile: '经办人手机号',
    idNumber: '经办人身份证号', 'idNumber.hint': '18 位居民身份证号码，末位可为 X', reason: '申请事由（可选）', submit: '提交申请',
  },
  apps: {
    title: '我的申请', intro: '本单位的印章申请及其进度。', caption: '共 {n} 件申请', number: '第 {id} 号', one: '申请 {id}',
    rejected: '申请被退回，原因：', correct: '请按退回原因补正材料后重新提交。',
    confirmHint: '印章已交付：请核对印模无误后确认，确认后印章启用。', history: '办理记录', esid: '印章编码',
    sealState: '印章状态', impression: '印模', 'impression.preview': '印模预览（标准印模）', 'impression.alt': '“{name}”的印模',
  },
  act: {
    label: '可办理的操作', check: '核对', make: '制作', file: '备案', deliver: '交付', submit: '提交', resubmit: '重新提交',
    approve: '审核通过', reject: '退回', confirm: '确认印模并启用', reason: '审核意见', 'reason.hint': '退回时必须填写原因，申请人将看到此内容',
    done: '已完成：{what}', correct: '更正申请', edit: '修改申请',
  },
  edit: {
    title: '更正申请 {id}', intro: '按退回原因修改下列内容，保存后重新提交审核。', back: '返回申请详情',
    fixed: '申请单位和业务类型不能修改；如需更改，请重新申请。', keep: '留空则保持已登记的 {value}', keepNone: '留空则保持已登记的号码',
    submit: '保存更正并提交', save: '仅保存，暂不提交', notFiler: '只有提交这件申请的账号才能更正它。',
    notEditable: '这件申请{state}，只有草稿或被退回的申请才能更正。',
  },
  queue: {
    title: '待办申请', which: '范围', mine: '等待我办理的', all: '全部可见的', count: '共 {n} 件', empty: '当前没有等待您办理的申请',
  },
  seals: {
    title: '印章', caption: '共 {n} 枚印章', expiring: '有效期', within: '{n} 天内到期', warn: '有 {n} 枚启用中的印章即将到期或已过期，请及时申请换发。',
    toConfirm: '去确认印模', noEnd: '无截止日期', expired: '已过期 {n} 天', renew: '{n} 天后到期，可申请换发', valid: '剩余 {n} 天',
  },
  use: {
    title: '用印申请', intro: '每次用印须经用印审批人批准。选择印章和要盖章的文档：文档不会上传，只提交其 SM3 摘要。',
    seal: '印章', doc: '要盖章的文档', 'doc.hint': '在本机计算 SM3 摘要，文件本身不离开您的电脑', sm3: '“{name}”的 SM3：',
    sm3label: '文档 SM3 摘要', purpose: '用途', submit: '提交用印申请', mine: '用印申请记录', sent: '用印申请 {id} 已提交，等待审批',
    request: '用印申请 {id}', approved: '已批准用印申请 {id}', rejected: '已驳回用印申请 {id}',
  },
  approvals: { title: '用印审批', empty: '当前没有等待您审批的用印申请' },
  sealdoc: {
    title: '文档盖章', intro: '在已批准的用印申请下为文档盖章：文档须与申请时的文档完全一致。',
    unavailable: '本服务器尚未开放文档盖章服务（POST /api/v1/documents/seal）。', request: '已批准的用印申请', file: '文档（PDF 或 OFD）',
    how: '盖章方式', position: '指定位置', keyword: '按关键字', riding: '骑缝章', page: '页码', x: '距左边（毫米）', y: '距上边（毫米）',
    keywordText: '关键字', submit: '盖章', done: '盖章完成，请下载：',
    pages: '共 {pages} 页', pageAlt: '第 {page} 页（共 {pages} 页）', stamp: '印章位置：距左边 {x} 毫米，距上边 {y} 毫米',
    drag: '拖动印章到要盖章的位置，或选中印章后用方向键移动（按住 Shift 每次 10 毫米）；也可直接填写毫米数。',
    pickRequest: '先选择用印申请，页面上才会出现印章。', noPreview: '无法显示此页：', drawing: '正在绘制页面…',
  },
  audit: {
    title: '审计日志', intro: '平台的每一次操作都记入带哈希链的审计日志，任何改动都会破坏链条。', caption: '审计记录', object: '对象',
    from: '起始日期', to: '截止日期', seq: '序号', event: '事件', detail: '详情', hash: '哈希',
  },
  units: {
    title: '单位', caption: '共 {n} 个单位', new: '登记单位', name: '单位名称', creditCode: '统一社会信用代码',
    'creditCode.hint': '18 位，末位为校验码（GB 32100）', region: '所在行政区划', legalRep: '法定代表人（可选）', submit: '登记',
    added: '已登记“{name}”（编号 {id}）',
  },
  accounts: {
    title: '账号与 API 密钥', caption: '共 {n} 个账号', new: '新建账号', create: '创建账号', 'login.hint': '小写字母、数字、点、横线或下划线，2–64 个字符',
    'unit.hint': '申请人、单位印章管理员、用印审批人须属于某个单位', noUnit: '不属于单位（机构人员）', enabled: '正常', disabled: '已停用',
    otp: '重置一次性密码', 'otp.for': '为 {login} 生成新的一次性密码', otpFor: '{login} 的一次性密码：',
    once: '只显示这一次，请立即安全地交给使用人；平台只保存其摘要，无法再次查看。',
  },
  keys: {
    title: '新建 API 密钥', intro: '供已登记的业务系统调用接口。密钥只显示一次。', login: '所属账号', name: '系统名称', expires: '有效期至',
    scope: '权限范围', 'scope.hint': '以逗号分隔的操作名，如 read,app-create；留空则与账号角色相同', allow: '允许的来源地址',
    'allow.hint': 'CIDR 格式，如 10.0.0.0/8；留空则不限', create: '创建密钥', created: '“{name}”的 API 密钥：', revoke: '吊销',
  },
  status: {
    title: '印章状态查询', intro: '依据《电子印章管理办法》，任何人均可查询电子印章在某一时刻的状态，无需登录。',
    'esid.hint': '印章的 14 位编码（esID）', at: '查询时刻（可选）', 'at.hint': '留空则查询当前状态', submit: '查询',
    is: '印章 {esid} 的状态：{state}', since: '自 {since} 起', reason: '原因：{reason}', asOf: '查询时刻：{at}',
    sentence: { green: '该印章有效，可用于电子签章。', amber: '该印章当前不能用于新的签章，已有签章请以核验结果为准。', red: '该印章已作废，不能再用于签章。' },
  },
  verify: {
    title: '在线核验', intro: '核验盖有电子印章的 PDF、OFD 文档或印章文件是否真实、完整、有效。无需登录。',
    drop: '将文件拖到此处，或点击选择文件', private: '文件仅用于本次核验，平台不保存文档。', busy: '正在核验…',
    unavailable: '本服务器尚未开放在线核验服务（POST /api/v1/verify）。', tooBig: '文件超过 64 MB，无法在线核验。',
    summary: '文件“{name}”（{format}）中有 {n} 个签章。', sig: '签章 {n}', seal: '印章名称', who: '盖章单位', when: '盖章时间',
    sealValid: '印章有效期', notices: '提示',
    verdict: { valid: '核验通过：文档完整，签章有效', invalid: '核验不通过：文档被改动或签章无效', indeterminate: '无法确认：部分项目无法核实' },
  },
  check: {
    format: { pass: '签章数据格式符合国家标准。', fail: '签章数据格式不符合国家标准。', indeterminate: '无法确认签章数据的格式。', skip: '未检查签章数据格式。' },
    'seal-signature': { pass: '印章由制章机构签发，未被篡改。', fail: '印章上的制章机构签名不正确，印章可能被伪造或篡改。', indeterminate: '无法确认印章的制章机构签名。', skip: '未检查制章机构签名。' },
    'maker-chain': { pass: '制章机构的证书可信。', fail: '制章机构的证书不可信或已被吊销。', indeterminate: '无法确认制章机构的证书是否可信。', skip: '未检查制章机构证书。' },
    'seal-timestamp': { pass: '印章的制作时间有时间戳证明。', fail: '印章的时间戳不正确。', indeterminate: '无法确认印章的时间戳。', skip: '印章不带时间戳。' },
    'seal-validity': { pass: '盖章时印章在有效期内。', fail: '盖章时印章不在有效期内。', indeterminate: '无法确认盖章时印章是否在有效期内。', skip: '未检查印章有效期。' },
    'signer-in-seal': { pass: '签章人的证书与印章绑定。', fail: '签章人的证书不属于该印章。', indeterminate: '无法确认签章人证书与印章的绑定。', skip: '未检查签章人证书与印章的绑定。' },
    'signer-chain': { pass: '签章人的证书可信，盖章时有效。', fail: '签章人的证书不可信，或盖章时已失效。', indeterminate: '无法确认签章人的证书是否可信。', skip: '未检查签章人证书。' },
    signature: { pass: '签名正确：签章后内容未被改动。', fail: '签名不正确：签章后内容被改动，或签名无效。', indeterminate: '无法确认签名。', skip: '未检查签名。' },
    'data-hash': { pass: '文档内容与签章时一致。', fail: '文档内容与签章时不一致。', indeterminate: '没有原文，无法比对文档内容。', skip: '未比对原文。' },
    timestamp: { pass: '盖章时间有可信时间戳证明。', fail: '时间戳不正确。', indeterminate: '无法确认时间戳。', skip: '签章不带时间戳，盖章时间由签章人自行声明。' },
    'seal-status': { pass: '盖章时印章处于启用状态。', fail: '盖章时印章已被注销、挂失或暂停。', indeterminate: '无法确认盖章时印章的状态。', skip: '未查询印章状态。' },
    references: { pass: '签章覆盖的 OFD 文件均未改动。', fail: 'OFD 文档中签章覆盖的文件被改动或缺失。', indeterminate: '无法确认 OFD 文件是否改动。', skip: '未检查 OFD 文件。' },
    'byte-range': { pass: '签名覆盖整个 PDF 文件。', fail: '签名没有覆盖整个 PDF 文件。', indeterminate: '无法确认签名覆盖的范围。', skip: '未检查签名覆盖范围。' },
    'seal-file': { pass: 'OFD 中存放的印章与签章所用的印章一致。', fail: 'OFD 中存放的印章与签章所用的印章不一致。', indeterminate: '无法确认 OFD 中存放的印章。', skip: '未检查 OFD 中存放的印章。' },
    stamp: { pass: '页面上有签章的外观。', fail: '页面上的签章外观不正确。', indeterminate: '无法确认页面上的签章外观。', skip: '未检查页面上的签章外观。' },
    changes: { pass: '签章后没有不允许的改动。', fail: '签章后页面内容或印章外观被改动。', indeterminate: '签章后的文件已损坏，无法确认改动。', skip: '未检查签章后的改动。' },
    other: { pass: '“{name}”检查通过。', fail: '“{name}”检查不通过。', indeterminate: '“{name}”无法确认。', skip: '未进行“{name}”检查。' },
  },
  result: { pass: '通过', fail: '不通过', indeterminate: '无法确认', skip: '未检查' },
  verdict: { valid: '有效', invalid: '无效', indeterminate: '无法确认' },
  timeSource: { timestamp: '（可信时间戳）', timeInfo: '（签章人声明）', signingTime: '（签章人声明）', none: '' },
  format: { seal: '电子印章', ses: '电子签章数据', cms: 'CMS 签名', sm2: 'SM2 签名', ofd: 'OFD 文档', pdf: 'PDF 文档' },
  col: {
    id: '编号', sealName: '印章名称', business: '业务', state: '状态', updated: '更新时间', note: '说明', unit: '单位', esid: '印章编码',
    kind: '类别', validEnd: '有效期至', at: '时间', from: '原状态', to: '新状态', actor: '操作人', reason: '原因', created: '提交时间',
    login: '账号', roles: '角色', actions: '操作',
  },
  filter: { state: '状态', business: '业务类型', all: '全部' },
  list: { empty: '暂无记录', count: '共 {n} 条', refresh: '刷新', prev: '上一页', next: '下一页' },
  state: {
    draft: '草稿', submitted: '已提交', forwarded: '已转报', checked: '已核对', approved: '已通过', rejected: '已退回', made: '已制作',
    filed: '已备案', delivered: '已交付', active: '启用', suspended: '暂停', lost: '挂失', revoked: '注销', expired: '过期',
    pending: '待审批', requested: '待审批', used: '已使用', unknown: '未知',
  },
  business: { apply: '新申请', renew: '换发（续期）', change: '变更', revoke: '注销', loss: '挂失', reissue: '补办', 'pin-unlock': 'PIN 解锁', reenable: '恢复启用' },
  kind: { official: '单位公章', special: '专用章', position: '职务章', personal: '个人名章', device: '设备章' },
  function: { contract: '合同专用章', finance: '财务专用章', invoice: '发票专用章', certificate: '证照专用章', letter: '公函专用章', audit: '审计专用章', customs: '报关专用章' },
  role: { applicant: '申请人（经办人）', 'unit-admin': '单位印章管理员', 'use-approver': '用印审批人', maker: '制章员', reviewer: '审核员', auditor: '审计员', sysadmin: '系统管理员' },
  object: { application: '申请', seal: '印章', account: '账号', 'api-key': 'API 密钥', unit: '单位', person: '人员', region: '行政区划', action: '操作', platform: '平台' },
  error: {
    EAUTH: '未登录或账号、密码错误', EDENIED: '没有权限', ENOTFOUND: '找不到', EINVAL: '填写的内容有误', ESTATE: '当前状态下不能办理此操作',
    ECONFLICT: '与现有记录冲突', EEXISTS: '已存在', ELIMIT: '超过限制，请稍后再试', EMALFORMED: '数据格式不正确', ENETWORK: '无法连接服务器',
    EINTERNAL: '服务器出错', EVERIFY: '核验不通过', EEXPIRED: '已过期', EREVOKED: '已注销', ENOTSUPPORTED: '不支持',
  },
  v: {
    required: '此项必填', esid: '请填写 14 位数字的印章编码', reason: '退回或驳回时必须填写原因', doc: '请选择文档', docMismatch: '所选文档与用印申请中的文档不一致（SM3 不同）',
    place: '页码和位置须为数字', login: '账号须为 2–64 位小写字母、数字、点、横线或下划线', roles: '至少选择一个角色', mobile: '手机号须为 1 开头的 11 位数字',
    cc: { length: '统一社会信用代码须为 18 位', chars: '统一社会信用代码含有不允许的字符（不使用 I、O、S、V、Z）', check: '统一社会信用代码的校验码不正确，请核对', org: '统一社会信用代码中的组织机构代码校验位不正确' },
    id: { form: '身份证号须为 17 位数字加 1 位数字或 X', date: '身份证号中的出生日期不正确', check: '身份证号的校验码不正确，请核对' },
    size: { integer: '请填写整数毫米数', range: '尺寸须在 1 到 80 毫米之间' },
    password: { short: '新密码至少 10 个字符，且包含三类字符', same: '两次输入的新密码不一致' },
  },
};

const en = {
  app: {
    name: 'Electronic Seal Platform', loading: 'Loading…', skip: 'Skip to the content', otherLang: '中文', signIn: 'Sign in', signOut: 'Sign out',
    footer: 'Electronic Seal Platform · public seal status and online verification, as the Electronic Seal Measures require',
    noPages: 'This account has no pages', notYours: "This account's roles cannot use this page",
  },
  nav: {
    label: 'Main menu', apply: 'Apply for a seal', applications: 'My applications', queue: 'Work queue', seals: 'Seals', use: 'Use requests',
    sealdoc: 'Seal a document', units: 'Units', approvals: 'Use approvals', audit: 'Audit log', accounts: 'Accounts and keys', verify: 'Verify online', status: 'Seal status',
  },
  signin: {
    title: 'Sign in', intro: 'Sign in with the account your administrator gave you. The first sign-in uses a one-time password, which you change at once.',
    login: 'Login', password: 'Password', submit: 'Sign in', public: 'No sign-in needed:',
  },
  password: {
    title: 'Change the password', intro: 'You signed in with a one-time password: set a new password to go on.', old: 'One-time (current) password',
    new: 'New password', again: 'The new password again', rule: 'At least 10 characters, of three kinds among lower-case, upper-case, digits and others, without the login.',
    submit: 'Set the new password and sign in',
  },
  apply: {
    title: 'Apply for an electronic seal', intro: "Fill in the form of the Fujian application guide. The seal maker checks it, a reviewer approves it, then the seal is made, filed and delivered.",
    required: 'Fields marked * are required.', section: { seal: 'The seal', handler: 'The person handling it' },
    unit: 'Applying unit', choose: 'Choose', business: 'Business', target: 'Code of the existing seal (esID)', 'target.hint': 'Renewal, change, revocation, loss and reissue name the 14-digit code of the existing seal',
    kind: 'Kind of seal', function: 'Use of the special seal', sealName: 'Name on the seal', 'sealName.hint': "The unit's full name, e.g. 福建省示例厅",
    width: 'Width (mm)', height: 'Height (mm)', 'size.hint': 'Whole millimetres, 1-80; a unit seal is usually 40 or 42 mm across',
    size: 'Size', 'size.value': '{w} × {h} mm', handlerName: "Handler's name", mobile: "Handler's mobile",
    idNumber: "Handler's resident ID", 'idNumber.hint': '18 characters; the last may be X', reason: 'Reason (optional)', submit: 'Submit the application',
  },
  apps: {
    title: 'My applications', intro: "Your unit's seal applications and where they stand.", caption: '{n} applications', number: 'No. {id}', one: 'Application {id}',
    rejected: 'Sent back, because:', correct: 'Put right what the reason names, then submit it again.',
    confirmHint: 'The seal is delivered: check the impression, then confirm it to make the seal active.', history: 'History', esid: 'Seal code',
    sealState: 'Seal state', impression: 'Impression', 'impression.preview': 'Impression preview (standard)', 'impression.alt': 'The impression of “{name}”',
  },
  act: {
    label: 'What you can do', check: 'Check', make: 'Make', file: 'File', deliver: 'Deliver', submit: 'Submit', resubmit: 'Submit again',
    approve: 'Approve', reject: 'Send back', confirm: 'Confirm the impression and activate', reason: 'Review note', 'reason.hint': 'Sending back needs a reason, which the applicant sees',
    done: 'Done: {what}', correct: 'Correct the application', edit: 'Change the application',
  },
  edit: {
    title: 'Correct application {id}', intro: 'Change what the reason names, save, and it goes to review again.', back: 'Back to the application',
    fixed: 'The unit and the business cannot change: file a new application for that.', keep: 'Leave empty to keep the one on file, {value}', keepNone: 'Leave empty to keep the one on file',
    submit: 'Save and submit again', save: 'Save, submit later', notFiler: 'Only the account that filed this application can correct it.',
    notEditable: 'This application is {state}: only a draft or one sent back can be corrected.',
  },
  queue: {
    title: 'Work queue', which: 'Show', mine: 'Waiting for me', all: 'All I can see', count: '{n} in all', empty: 'Nothing is waiting for you',
  },
  seals: {
    title: 'Seals', caption: '{n} seals', expiring: 'Validity', within: 'Ending within {n} days', warn: '{n} active seals end soon or have ended: apply for renewal.',
    toConfirm: 'Confirm the impression', noEnd: 'No end date', expired: 'Ended {n} days ago', renew: 'Ends in {n} days: renewal open', valid: '{n} days left',
  },
  use: {
    title: 'Use requests', intro: 'Each use of a seal needs a use approver. Choose the seal and the document: the document is not sent, only its SM3 digest.',
    seal: 'Seal', doc: 'Document to seal', 'doc.hint': 'The SM3 digest is computed here; the file does not leave your computer', sm3: 'SM3 of “{name}”:',
    sm3label: 'SM3 of the document', purpose: 'Purpose', submit: 'Ask to use the seal', mine: 'Use requests', sent: 'Use request {id} sent, waiting for approval',
    request: 'Use request {id}', approved: 'Use request {id} approved', rejected: 'Use request {id} refused',
  },
  approvals: { title: 'Use approvals', empty: 'No use request is waiting for you' },
  sealdoc: {
    title: 'Seal a document', intro: 'Seal a document under an approved use request: it must be exactly the document of the request.',
    unavailable: 'This server does not offer document sealing yet (POST /api/v1/documents/seal).', request: 'Approved use request', file: 'Document (PDF or OFD)',
    how: 'Placement', position: 'At a position', keyword: 'At a keyword', riding: 'Riding seal', page: 'Page', x: 'From the left (mm)', y: 'From the top (mm)',
    keywordText: 'Keyword', submit: 'Seal', done: 'Sealed. Download:',
    pages: '{pages} pages in all', pageAlt: 'Page {page} of {pages}', stamp: 'Seal at {x} mm from the left, {y} mm from the top',
    drag: 'Drag the seal to where it goes, or select it and move it with the arrow keys (Shift: 10 mm a step); or type the millimetres.',
    pickRequest: 'Choose the use request first: then the seal appears on the page.', noPreview: 'This page cannot be shown:', drawing: 'Drawing the page…',
  },
  audit: {
    title: 'Audit log', intro: 'Every operation of the platform goes into a hash-chained audit log: any change breaks the chain.', caption: 'Audit entries', object: 'Object',
    from: 'From', to: 'To', seq: 'No.', event: 'Event', detail: 'Detail', hash: 'Hash',
  },
  units: {
    title: 'Units', caption: '{n} units', new: 'Register a unit', name: 'Name', creditCode: 'Unified social credit code',
    'creditCode.hint': '18 characters, the last a check character (GB 32100)', region: 'Region', legalRep: 'Legal representative (optional)', submit: 'Register',
    added: '“{name}” registered (no. {id})',
  },
  accounts: {
    title: 'Accounts and API keys', caption: '{n} accounts', new: 'New account', create: 'Create the account', 'login.hint': 'Lower-case letters, digits, dot, dash or underscore, 2-64 characters',
    'unit.hint': 'Applicants, unit seal administrators and use approvers belong to a unit', noUnit: 'No unit (office staff)', enabled: 'Enabled', disabled: 'Disabled',
    otp: 'New one-time password', 'otp.for': 'A new one-time password for {login}', otpFor: 'One-time password of {login}:',
    once: 'Shown this once: hand it over safely now. The platform keeps only a digest and cannot show it again.',
  },
  keys: {
    title: 'New API key', intro: 'For a registered system calling the API. The key is shown once.', login: 'Account', name: 'System name', expires: 'Valid until',
    scope: 'Scope', 'scope.hint': 'Action names separated by commas, e.g. read,app-create; empty: what the roles allow', allow: 'Allowed source addresses',
    'allow.hint': 'CIDR, e.g. 10.0.0.0/8; empty: any', create: 'Create the key', created: 'API key of “{name}”:', revoke: 'Revoke',
  },
  status: {
    title: 'Seal status', intro: "Anyone may look up an electronic seal's status at an instant, as the Electronic Seal Measures require. No sign-in.",
    'esid.hint': "The seal's 14-digit code (esID)", at: 'At (optional)', 'at.hint': 'Empty: now', submit: 'Look up',
    is: 'Seal {esid} is: {state}', since: 'Since {since}', reason: 'Reason: {reason}', asOf: 'As of {at}',
    sentence: { green: 'The seal is valid for electronic sealing.', amber: 'The seal cannot be used for new sealing now; for existing signatures, see the verification.', red: 'The seal is void and must not be used again.' },
  },
  verify: {
    title: 'Verify online', intro: 'Check that a sealed PDF or OFD document, or a seal file, is genuine, unchanged and valid. No sign-in.',
    drop: 'Drop a file here, or choose one', private: 'The file is used for this check only; the platform does not keep documents.', busy: 'Verifying…',
    unavailable: 'This server does not offer online verification yet (POST /api/v1/verify).', tooBig: 'The file is larger than 64 MB: it cannot be verified online.',
    summary: '“{name}” ({format}) holds {n} signature(s).', sig: 'Signature {n}', seal: 'Seal', who: 'Sealed by', when: 'Sealed at',
    sealValid: 'Seal valid', notices: 'Notes',
    verdict: { valid: 'Valid: the document is unchanged and its seals are valid', invalid: 'Not valid: the document was changed or a seal is invalid', indeterminate: 'Undecided: some checks could not be made' },
  },
  check: {
    format: { pass: 'The signature data follow the national standard.', fail: 'The signature data do not follow the national standard.', indeterminate: 'The format of the signature data could not be confirmed.', skip: 'The format was not checked.' },
    'seal-signature': { pass: 'The seal was issued by its maker and is unchanged.', fail: "The maker's signature on the seal is wrong: the seal may be forged or altered.", indeterminate: "The maker's signature could not be confirmed.", skip: "The maker's signature was not checked." },
    'maker-chain': { pass: "The maker's certificate is trusted.", fail: "The maker's certificate is not trusted or was revoked.", indeterminate: "Whether the maker's certificate is trusted could not be confirmed.", skip: "The maker's certificate was not checked." },
    'seal-timestamp': { pass: "The seal's making time is proven by a time stamp.", fail: "The seal's time stamp is wrong.", indeterminate: "The seal's time stamp could not be confirmed.", skip: 'The seal carries no time stamp.' },
    'seal-validity': { pass: 'The seal was within its validity when used.', fail: 'The seal was outside its validity when used.', indeterminate: 'Whether the seal was valid when used could not be confirmed.', skip: "The seal's validity was not checked." },
    'signer-in-seal': { pass: "The signer's certificate is bound to the seal.", fail: "The signer's certificate does not belong to the seal.", indeterminate: "The binding of the signer's certificate could not be confirmed.", skip: 'The binding was not checked.' },
    'signer-chain': { pass: "The signer's certificate is trusted and was valid when sealing.", fail: "The signer's certificate is not trusted or was no longer valid.", indeterminate: "Whether the signer's certificate is trusted could not be confirmed.", skip: "The signer's certificate was not checked." },
    signature: { pass: 'The signature is right: nothing changed after sealing.', fail: 'The signature is wrong: the content changed after sealing, or the signature is invalid.', indeterminate: 'The signature could not be confirmed.', skip: 'The signature was not checked.' },
    'data-hash': { pass: 'The document is the one that was sealed.', fail: 'The document differs from the one that was sealed.', indeterminate: 'Without the original, the content could not be compared.', skip: 'No original was compared.' },
    timestamp: { pass: 'The sealing time is proven by a trusted time stamp.', fail: 'The time stamp is wrong.', indeterminate: 'The time stamp could not be confirmed.', skip: 'No time stamp: the sealing time is what the signer stated.' },
    'seal-status': { pass: 'The seal was active when used.', fail: 'The seal had been revoked, reported lost or suspended when used.', indeterminate: "The seal's status when used could not be confirmed.", skip: "The seal's status was not looked up." },
    references: { pass: 'The OFD files the signature covers are unchanged.', fail: 'Files of the OFD document that the signature covers were changed or removed.', indeterminate: 'Whether the OFD files changed could not be confirmed.', skip: 'The OFD files were not checked.' },
    'byte-range': { pass: 'The signature covers the whole PDF file.', fail: 'The signature does not cover the whole PDF file.', indeterminate: 'What the signature covers could not be confirmed.', skip: 'The signed range was not checked.' },
    'seal-file': { pass: 'The seal stored in the OFD is the one the signature used.', fail: 'The seal stored in the OFD differs from the one the signature used.', indeterminate: 'The seal stored in the OFD could not be confirmed.', skip: 'The seal stored in the OFD was not checked.' },
    stamp: { pass: 'The seal appears on the page.', fail: "The seal's appearance on the page is wrong.", indeterminate: "The seal's appearance on the page could not be confirmed.", skip: "The seal's appearance was not checked." },
    changes: { pass: 'Nothing disallowed changed after sealing.', fail: "Page content or the seal's appearance changed after sealing.", indeterminate: 'The file after sealing is damaged: changes could not be confirmed.', skip: 'Later changes were not checked.' },
    other: { pass: 'Check “{name}” passed.', fail: 'Check “{name}” failed.', indeterminate: 'Check “{name}” could not be decided.', skip: 'Check “{name}” was not made.' },
  },
  result: { pass: 'passed', fail: 'failed', indeterminate: 'undecided', skip: 'not checked' },
  verdict: { valid: 'valid', invalid: 'not valid', indeterminate: 'undecided' },
  timeSource: { timestamp: '(trusted time stamp)', timeInfo: '(stated by the signer)', signingTime: '(stated by the signer)', none: '' },
  format: { seal: 'electronic seal', ses: 'seal signature', cms: 'CMS signature', sm2: 'SM2 signature', ofd: 'OFD document', pdf: 'PDF document' },
  col: {
    id: 'No.', sealName: 'Seal name', business: 'Business', state: 'State', updated: 'Updated', note: 'Note', unit: 'Unit', esid: 'Seal code',
    kind: 'Kind', validEnd: 'Valid until', at: 'Time', from: 'From', to: 'To', actor: 'By', reason: 'Reason', created: 'Sent',
    login: 'Login', roles: 'Roles', actions: 'Actions',
  },
  filter: { state: 'State', business: 'Business', all: 'All' },
  list: { empty: 'Nothing yet', count: '{n} in all', refresh: 'Refresh', prev: 'Previous page', next: 'Next page' },
  state: {
    draft: 'draft', submitted: 'submitted', forwarded: 'forwarded', checked: 'checked', approved: 'approved', rejected: 'sent back', made: 'made',
    filed: 'filed', delivered: 'delivered', active: 'active', suspended: 'suspended', lost: 'lost', revoked: 'revoked', expired: 'expired',
    pending: 'pending', requested: 'waiting for approval', used: 'used', unknown: 'unknown',
  },
  business: { apply: 'new seal', renew: 'renewal', change: 'change', revoke: 'revocation', loss: 'loss report', reissue: 'reissue', 'pin-unlock': 'PIN unlock', reenable: 'reactivation' },
  kind: { official: 'official seal', special: 'special seal', position: 'position seal', personal: 'personal seal', device: 'device seal' },
  function: { contract: 'contract seal', finance: 'finance seal', invoice: 'invoice seal', certificate: 'certificate seal', letter: 'letter seal', audit: 'audit seal', customs: 'customs seal' },
  role: { applicant: 'applicant (handler)', 'unit-admin': 'unit seal administrator', 'use-approver': 'use approver', maker: 'seal maker', reviewer: 'reviewer', auditor: 'auditor', sysadmin: 'system administrator' },
  object: { application: 'application', seal: 'seal', account: 'account', 'api-key': 'API key', unit: 'unit', person: 'person', region: 'region', action: 'action', platform: 'platform' },
  error: {
    EAUTH: 'Not signed in, or a wrong login or password', EDENIED: 'Not allowed', ENOTFOUND: 'Not found', EINVAL: 'Something entered is wrong', ESTATE: 'Not possible in the present state',
    ECONFLICT: 'In conflict with a record', EEXISTS: 'Already exists', ELIMIT: 'Over a limit: try again later', EMALFORMED: 'Malformed data', ENETWORK: 'The server cannot be reached',
    EINTERNAL: 'The server failed', EVERIFY: 'Verification failed', EEXPIRED: 'Expired', EREVOKED: 'Revoked', ENOTSUPPORTED: 'Not supported',
  },
  v: {
    required: 'Required', esid: 'Give the 14-digit seal code', reason: 'Sending back or refusing needs a reason', doc: 'Choose the document', docMismatch: 'This is not the document of the use request (its SM3 differs)',
    place: 'Page and position are numbers', login: 'A login is 2-64 lower-case letters, digits, dots, dashes or underscores', roles: 'Choose at least one role', mobile: 'A mobile number is 11 digits starting with 1',
    cc: { length: 'A unified social credit code has 18 characters', chars: 'The credit code has a character it cannot hold (I, O, S, V and Z are not used)', check: "The credit code's check character is wrong: please check it", org: "The check character of the organisation code inside the credit code is wrong" },
    id: { form: 'A resident ID is 17 digits and a digit or X', date: 'The birth date in the resident ID is wrong', check: "The resident ID's check character is wrong: please check it" },
    size: { integer: 'Give whole millimetres', range: 'The size is 1 to 80 mm' },
    password: { short: 'At least 10 characters, of three kinds', same: 'The two new passwords differ' },
  },
};

function flatten(tree, prefix, out) {
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === 'string') out[prefix + k] = v;
    else flatten(v, prefix + k + '.', out);
  }
  return out;
}

export const messages = { 'zh-CN': flatten(zh, '', {}), en: flatten(en, '', {}) };
